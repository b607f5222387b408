//! Input beyond flags: texts and JSON read from a file or from stdin (`-`).

use std::{fs, io::Read, path::Path};

use relais_client::pb;
use relais_core::request_id::RequestId;
use tonic::Code;

use super::error::Failure;

/// The text of a flag, or stdin's whole content when it is `-`: long
/// messages are easier to write in a file or a here-document.
pub(crate) fn text(value: &str) -> Result<String, Failure> {
    if value != "-" {
        return Ok(value.to_owned());
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Failure::local(Code::InvalidArgument, format!("cannot read stdin: {e}")))?;
    // The final newline of a file or a here-document is not part of the message.
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

/// A `SubmitCaseRequest` in the protobuf JSON mapping, from a file or stdin (`-`).
pub(crate) fn submit_request(path: &Path) -> Result<pb::SubmitCaseRequest, Failure> {
    let (name, content) = if path == Path::new("-") {
        ("stdin".to_owned(), text("-")?)
    } else {
        let content = fs::read_to_string(path).map_err(|e| {
            Failure::local(
                Code::InvalidArgument,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        (path.display().to_string(), content)
    };
    serde_json::from_str(&content).map_err(|e| {
        Failure::local(
            Code::InvalidArgument,
            format!("{name} does not hold a SubmitCaseRequest in JSON: {e}"),
        )
    })
}

/// Value parser for `--request-id`: refused at once rather than by the server.
pub(crate) fn request_id(text: &str) -> Result<String, String> {
    RequestId::parse(text).map(|id| id.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_read_in_the_proto_json_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.json");
        fs::write(
            &path,
            r#"{"category": "CATEGORY_AME", "subject": "AME", "beneficiary": {"last_name": "Kovalenko"}}"#,
        )
        .unwrap();
        let request = submit_request(&path).unwrap();
        assert_eq!(request.category, i32::from(pb::Category::Ame));
        assert_eq!(request.beneficiary.unwrap().last_name, "Kovalenko");
    }

    #[test]
    fn a_bad_file_is_a_readable_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.json");
        fs::write(&path, "{not json").unwrap();
        let failure = submit_request(&path).unwrap_err();
        assert!(
            failure
                .human()
                .contains("does not hold a SubmitCaseRequest")
        );
        let missing = submit_request(&dir.path().join("nope.json")).unwrap_err();
        assert!(missing.human().contains("cannot read"));
    }

    #[test]
    fn request_ids_are_checked() {
        assert!(request_id("abc-123").is_ok());
        assert!(request_id("a b").is_err());
    }
}
