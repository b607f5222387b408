//! The results file of `relais batch send`: one line per row the server
//! answered, written as the answers arrive.

use std::{
    ffi::OsString,
    fs::{self, File},
    path::{Path, PathBuf},
};

use relais_client::pb;
use tonic::Code;

use super::{issues_text, status_word};
use crate::cli::error::Failure;

pub(super) const COLUMNS: [&str; 5] = ["row", "status", "case_reference", "errors", "warnings"];

/// Written aside and moved into place once something was answered, so that
/// a send refused or unreachable from the start leaves the results of an
/// earlier send where they were.
#[derive(Debug)]
pub(super) struct ResultsFile {
    path: PathBuf,
    partial: PathBuf,
    writer: csv::Writer<File>,
    lines: u64,
}

impl ResultsFile {
    /// Creates the file beside `path`; `separator` is the sent file's, so
    /// that the results open in the spreadsheet that made it.
    pub(super) fn create(path: &Path, separator: u8) -> Result<ResultsFile, Failure> {
        let mut partial = OsString::from(path.as_os_str());
        partial.push(".part");
        let partial = PathBuf::from(partial);
        let file = File::create(&partial).map_err(|e| cannot_write(&partial, &e))?;
        let mut writer = csv::WriterBuilder::new()
            .delimiter(separator)
            .from_writer(file);
        writer
            .write_record(COLUMNS)
            .map_err(|e| cannot_write(&partial, &e))?;
        Ok(ResultsFile {
            path: path.to_owned(),
            partial,
            writer,
            lines: 0,
        })
    }

    pub(super) fn write(&mut self, result: &pb::RowResult) -> Result<(), Failure> {
        let row = result.row_number.to_string();
        self.writer
            .write_record([
                row.as_str(),
                status_word(result.status),
                &result.case_reference,
                &issues_text(&result.errors),
                &issues_text(&result.warnings),
            ])
            .map_err(|e| cannot_write(&self.partial, &e))?;
        self.lines += 1;
        Ok(())
    }

    /// Flushes the lines written and puts the file in its place. With no
    /// line written, the file is dropped instead and `None` returned.
    pub(super) fn finish(mut self) -> Result<Option<PathBuf>, Failure> {
        if self.lines == 0 {
            self.abandon();
            return Ok(None);
        }
        self.writer
            .flush()
            .map_err(|e| cannot_write(&self.partial, &e))?;
        fs::rename(&self.partial, &self.path).map_err(|e| cannot_write(&self.path, &e))?;
        Ok(Some(self.path))
    }

    pub(super) fn abandon(self) {
        drop(self.writer);
        // Nothing worth keeping in it: a failure to remove it changes nothing.
        let _ = fs::remove_file(&self.partial);
    }
}

fn cannot_write(path: &Path, error: &dyn std::fmt::Display) -> Failure {
    Failure::local(
        Code::Unknown,
        format!("cannot write the results to {}: {error}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(row: i64, status: pb::RowStatus, errors: &[(&str, &str, &str)]) -> pb::RowResult {
        pb::RowResult {
            row_number: row,
            status: status.into(),
            case_reference: String::new(),
            errors: errors
                .iter()
                .map(|(column, value, reason)| pb::RowIssue {
                    column: (*column).to_owned(),
                    value: (*value).to_owned(),
                    reason: (*reason).to_owned(),
                })
                .collect(),
            warnings: Vec::new(),
            replayed: false,
        }
    }

    #[test]
    fn values_with_separators_and_quotes_are_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv.results.csv");
        let mut file = ResultsFile::create(&path, b';').unwrap();
        file.write(&result(
            2,
            pb::RowStatus::Rejected,
            &[
                ("adresse", "5; allée \"B\"", "too long"),
                ("nir", "", "required"),
            ],
        ))
        .unwrap();
        assert_eq!(file.finish().unwrap().as_deref(), Some(path.as_path()));
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "row;status;case_reference;errors;warnings\n\
             2;rejected;;\"adresse \"\"5; allée \"\"B\"\"\"\": too long; nir: required\";\n"
        );
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_path(&path)
            .unwrap();
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(
            &record[3],
            "adresse \"5; allée \"B\"\": too long; nir: required"
        );
        assert!(!dir.path().join("x.csv.results.csv.part").exists());
    }

    #[test]
    fn nothing_answered_leaves_an_earlier_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv.results.csv");
        fs::write(&path, "earlier").unwrap();
        let file = ResultsFile::create(&path, b',').unwrap();
        assert_eq!(file.finish().unwrap(), None);
        assert_eq!(fs::read_to_string(&path).unwrap(), "earlier");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
