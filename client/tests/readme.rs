//! The README's walkthrough, run as written: every ```` ```sh walkthrough ````
//! block, in order, in one shell, against a real server.

use std::{path::Path, process::Command};

use relais_tests::TestServer;

const README: &str = include_str!("../../README.md");

/// The bodies of the README's code blocks whose info string is `sh walkthrough`.
fn walkthrough_blocks() -> Vec<&'static str> {
    let mut blocks = Vec::new();
    let mut rest = README;
    while let Some(start) = rest.find("```sh walkthrough\n") {
        let body = &rest[start + "```sh walkthrough\n".len()..];
        let end = body.find("```").expect("a closed code block");
        blocks.push(&body[..end]);
        rest = &body[end + 3..];
    }
    blocks
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_walkthrough_runs_as_written() {
    let blocks = walkthrough_blocks();
    assert!(
        blocks.len() >= 4,
        "the walkthrough blocks are marked `sh walkthrough`"
    );
    let server = TestServer::start().await;
    let binaries = Path::new(env!("CARGO_BIN_EXE_relais"))
        .parent()
        .expect("a directory");
    let path = format!(
        "{}:{}",
        binaries.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!("set -euo pipefail\n{}", blocks.concat());
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("PATH", path)
        .env("RELAIS_URL", &server.url)
        .env("RELAIS_TOKEN", &server.admin_token)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the walkthrough failed\n{script}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("R-"), "{stdout}");
    assert!(stdout.contains("CLOSED"), "the case ends closed: {stdout}");
    assert!(
        stdout.contains("Une attestation de droits vous a été envoyée."),
        "{stdout}"
    );
}
