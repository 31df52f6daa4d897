//! One module per subcommand, plus helpers they share.

/// True when `err` was caused by writing to a closed pipe (`genrekit ... | head`), which is not
/// a failure.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
