//! Shared helper for CLI tests: run the real `genrekit` binary in a fresh temporary directory
//! (after ripgrep's `tests/util.rs`).
//!
//! ```ignore
//! mod util;
//! let dir = util::Dir::new();
//! let out = dir.cmd(["info", "x.wav"]).output();
//! ```

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file in the repository's `fixtures/` folder.
pub fn fixture(rel: &str) -> PathBuf {
    repo_root().join("fixtures").join(rel)
}

/// The shared data folder beside the repository, or `None` with a loud message if missing.
pub fn shared_data() -> Option<PathBuf> {
    let p = repo_root().join("../shared/data");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "\n*** SKIPPED: shared data not found at {} ***\n",
            p.display()
        );
        None
    }
}

/// A fresh temporary directory in which commands run; removed on drop.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    /// Creates the directory.
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("cannot create a temporary directory"),
        }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `contents` to `name` inside the directory and returns its path.
    pub fn create(&self, name: &str, contents: &[u8]) -> PathBuf {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("cannot create parent directory");
        }
        std::fs::write(&p, contents).expect("cannot write test file");
        p
    }

    /// A `genrekit` command with `args`, run in this directory.
    pub fn cmd<I, S>(&self, args: I) -> TestCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_genrekit"));
        cmd.current_dir(self.path()).args(args);
        TestCommand { cmd }
    }
}

/// A command to run, with helpers that check its outcome.
pub struct TestCommand {
    cmd: Command,
}

/// The outcome of a command: status code and captured output as text.
pub struct Ran {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl TestCommand {
    /// Adds an argument.
    pub fn arg(&mut self, a: impl AsRef<OsStr>) -> &mut Self {
        self.cmd.arg(a);
        self
    }

    /// Runs the command and captures its output.
    pub fn run(&mut self) -> Ran {
        let out: Output = self.cmd.output().expect("cannot run genrekit");
        Ran {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs the command, asserts it succeeded, and returns stdout.
    pub fn stdout(&mut self) -> String {
        let ran = self.run();
        assert_eq!(
            ran.code,
            Some(0),
            "command failed\nstdout:\n{}\nstderr:\n{}",
            ran.stdout,
            ran.stderr
        );
        ran.stdout
    }
}
