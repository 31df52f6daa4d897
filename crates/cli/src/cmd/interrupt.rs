//! Ctrl-C (SIGINT) and SIGTERM: finish cleanly on the first, quit at once on the second.
//!
//! A long command (`genrekit analyze`) calls [`install`] and checks [`requested`] between
//! units of work: the first signal makes it stop taking new files, store what is finished and
//! exit with [`EXIT_INTERRUPTED`]. A second signal exits at once; the database stays
//! consistent either way (one transaction per batch), only the uncommitted batch is lost.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Exit status after an interruption: 128 + SIGINT, as shells report it.
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// Set by the first signal.
static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Whether the handler is installed (installing twice is an error in `ctrlc`).
static INSTALLED: OnceLock<()> = OnceLock::new();

/// Installs the handler (once per process; later calls do nothing). If the platform refuses,
/// signals keep their default action, which is safe for the database too; a warning says so.
pub(crate) fn install() {
    INSTALLED.get_or_init(|| {
        let result = ctrlc::set_handler(|| {
            if REQUESTED.swap(true, Ordering::SeqCst) {
                eprintln!("\ngenrekit: interrupted again, quitting now");
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
            eprintln!(
                "\ngenrekit: interrupted: storing the finished tracks (press Ctrl-C again to \
                 quit at once)"
            );
        });
        if let Err(err) = result {
            eprintln!("genrekit: warning: cannot handle Ctrl-C ({err}); an interrupted run loses its last second of work");
        }
    });
}

/// Whether a signal asked the command to stop.
pub(crate) fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
