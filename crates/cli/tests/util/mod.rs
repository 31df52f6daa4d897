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
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
        // Hermetic: the default library and the user's retrained model live inside this
        // directory, never in the developer's own data directory.
        cmd.current_dir(self.path())
            .env("XDG_DATA_HOME", self.data_home())
            .env("HOME", self.path().join("home"))
            .args(args);
        TestCommand { cmd, stdin: None }
    }

    /// The `XDG_DATA_HOME` every command of this directory runs with (not created until a
    /// command writes there): the default library is `data/genrekit/library.db`, the user's
    /// retrained model `data/genrekit/model.json`.
    pub fn data_home(&self) -> PathBuf {
        self.path().join("data")
    }
}

/// A command to run, with helpers that check its outcome.
pub struct TestCommand {
    cmd: Command,
    /// What to write to the command's stdin (otherwise it reads an empty stdin).
    stdin: Option<Vec<u8>>,
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

    /// Sets an environment variable of the command.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        self.cmd.env(key, value);
        self
    }

    /// Writes `input` to the command's stdin (a pipe, not a terminal) when it runs.
    pub fn stdin(&mut self, input: impl Into<Vec<u8>>) -> &mut Self {
        self.stdin = Some(input.into());
        self
    }

    /// Runs the command and captures its output.
    pub fn run(&mut self) -> Ran {
        let out: Output = match self.stdin.take() {
            None => self
                .cmd
                .stdin(Stdio::null())
                .output()
                .expect("cannot run genrekit"),
            Some(input) => {
                let mut child = self
                    .cmd
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("cannot run genrekit");
                let mut pipe = child.stdin.take().expect("stdin is piped");
                // Written from a thread: the command may fill its stdout before reading all of
                // its input. It may also quit early (`q`), so a write error is not a failure.
                let writer = std::thread::spawn(move || {
                    let _ = pipe.write_all(&input);
                });
                let out = child.wait_with_output().expect("cannot run genrekit");
                let _ = writer.join();
                out
            }
        };
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

/// Analyzes `files` into the library database `library.db` inside `dir` and returns its path.
pub fn analyzed_library(dir: &Dir, files: &[PathBuf]) -> PathBuf {
    let db = dir.path().join("library.db");
    let mut cmd = dir.cmd(["analyze", "--quiet", "--db"]);
    cmd.arg(&db);
    for f in files {
        cmd.arg(f);
    }
    cmd.stdout();
    db
}

/// Short shared recordings for tests that need a library (about 2 minutes of audio in all):
/// three Creative Commons excerpts (1, 2 and 2 snippets) and two GTZAN clips (one snippet each,
/// both in the built-in model's training table).
pub fn short_shared_tracks(data: &Path) -> Vec<PathBuf> {
    vec![
        data.join("cc-music/sorohanro_-_solo-trumpet-06.ogg"),
        data.join("cc-music/147793__setuniman__sweet-waltz-0i-22mi.ogg"),
        data.join(
            "cc-music/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg",
        ),
        data.join("gtzan/genres/blues/blues.00000.wav"),
        data.join("gtzan/mp3/rock.00000.mp3"),
    ]
}
