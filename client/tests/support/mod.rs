//! Runs of the `relais` binary with the environment a user's shell would
//! give it, shared by the command-line tests.

#![allow(dead_code, reason = "each test file uses its own part of it")]

use std::{
    io::Write as _,
    process::{Command, Output, Stdio},
};

use serde_json::Value;

/// One run of `relais` against the server at `url`, as `token` if any.
pub(crate) fn relais(url: &str, token: Option<&str>, args: &[&str]) -> Run {
    let mut env = vec![("RELAIS_URL", url)];
    if let Some(token) = token {
        env.push(("RELAIS_TOKEN", token));
    }
    relais_with(&env, args)
}

/// One run of `relais` with these environment variables and none of the
/// caller's own `RELAIS_*`: no configuration file either, unless `env`
/// names one with `RELAIS_CONFIG`, so that a developer's profiles cannot
/// change what a test sees.
pub(crate) fn relais_with(env: &[(&str, &str)], args: &[&str]) -> Run {
    let output = command(env, args)
        .stdin(Stdio::null())
        .output()
        .expect("the relais binary runs");
    Run {
        args: args.join(" "),
        output,
    }
}

/// [`relais_with`], with `input` on stdin.
pub(crate) fn relais_with_stdin(env: &[(&str, &str)], args: &[&str], input: &[u8]) -> Run {
    let mut child = command(env, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the relais binary runs");
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let input = input.to_vec();
    // Written aside, so that a full stdout pipe cannot stop the writing.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("the relais binary ends");
    writer
        .join()
        .expect("the writer ends")
        .expect("stdin is written");
    Run {
        args: args.join(" "),
        output,
    }
}

fn command(env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_relais"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RELAIS_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .env("RELAIS_CONFIG", "/nonexistent/relais/config.toml")
        .env("TZ", "Europe/Paris");
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

pub(crate) struct Run {
    args: String,
    output: Output,
}

impl Run {
    pub(crate) fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Stdout and stderr as written, to look for bytes a terminal would obey.
    pub(crate) fn raw_output(&self) -> Vec<u8> {
        [&self.output.stdout[..], &self.output.stderr[..]].concat()
    }

    pub(crate) fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// Asserts success and gives stdout.
    pub(crate) fn ok(&self) -> String {
        assert_eq!(
            self.code(),
            Some(0),
            "relais {} failed\nstdout: {}\nstderr: {}",
            self.args,
            self.stdout(),
            self.stderr()
        );
        self.stdout()
    }

    /// Asserts a failure (exit 1) and gives stderr.
    pub(crate) fn failed(&self) -> String {
        assert_eq!(
            self.code(),
            Some(1),
            "relais {} should have failed\nstdout: {}\nstderr: {}",
            self.args,
            self.stdout(),
            self.stderr()
        );
        self.stderr()
    }

    /// Asserts a usage error (clap's exit 2) and gives stderr.
    pub(crate) fn misused(&self) -> String {
        assert_eq!(
            self.code(),
            Some(2),
            "relais {} should have been refused\nstdout: {}\nstderr: {}",
            self.args,
            self.stdout(),
            self.stderr()
        );
        self.stderr()
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout())
            .unwrap_or_else(|e| panic!("relais {}: not JSON ({e}): {}", self.args, self.stdout()))
    }
}

/// The value of a `Label:  value` line of a human report.
pub(crate) fn field(stdout: &str, label: &str) -> String {
    let prefix = format!("{label}:");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {label} in:\n{stdout}"))
        .trim()
        .to_owned()
}
