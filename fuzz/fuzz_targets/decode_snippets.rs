//! Fuzz target: any bytes, under any of the supported extensions, must decode into snippets or
//! give an error; never panic, never hang, and snippets must follow the plan.
#![no_main]

use std::path::Path;

use genrekit_audio::{AudioFile, DecodeOptions, SnippetOptions, snippet_plan};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = ["x.wav", "x.mp3", "x.flac", "x.ogg", "x.m4a", "x"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = Path::new(NAMES[usize::from(selector) % NAMES.len()]);
    // Short snippets and no minimum duration exercise the snippet logic on tiny inputs.
    let opts = DecodeOptions::default().min_duration_seconds(0.0);
    let Ok(file) = AudioFile::from_bytes(bytes.to_vec(), name, &opts) else {
        return;
    };
    let snip = SnippetOptions::default().length_seconds(0.05);
    let mut stream = file.snippets(&snip);
    let mut ranges = Vec::new();
    for s in stream.by_ref() {
        match s {
            Ok(s) => ranges.push(s.range()),
            Err(_) => return,
        }
    }
    assert_eq!(ranges, snippet_plan(stream.total_samples(), 22050, &snip));
});
