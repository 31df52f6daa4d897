//! Decodes an audio file to mono f32 at 22050 Hz (or the given rate) and writes the samples as
//! raw little-endian f32, for comparisons with librosa (fixtures/generate/resample_check.py).
//! Prints the peak memory (VmHWM) when done, for the streaming-memory check.
//!
//! ```sh
//! cargo run -p genrekit-audio --example decode_raw -- in.ogg out.f32 [rate]
//! cargo run -p genrekit-audio --example decode_raw -- in.wav --snippets   # stream, count only
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use genrekit_audio::{AudioFile, DecodeOptions, SnippetOptions};

fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(output)) = (args.first(), args.get(1)) else {
        eprintln!("usage: decode_raw IN (OUT.f32 [RATE] | --snippets)");
        return ExitCode::from(2);
    };
    let rate = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(22050);
    let opts = DecodeOptions::default().sample_rate(rate);
    let file = match AudioFile::open(&PathBuf::from(input), &opts) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if output == "--snippets" {
        let mut stream = file.snippets(&SnippetOptions::default());
        let mut count = 0;
        for s in stream.by_ref() {
            if let Err(e) = s {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
            count += 1;
        }
        println!(
            "{count} snippets, {} samples, peak memory {} kB",
            stream.total_samples(),
            peak_memory_kb().unwrap_or(0)
        );
        return ExitCode::SUCCESS;
    }
    let audio = match file.decode_all() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let bytes: Vec<u8> = audio.samples.iter().flat_map(|x| x.to_le_bytes()).collect();
    if let Err(e) = std::fs::File::create(output).and_then(|mut f| f.write_all(&bytes)) {
        eprintln!("{output}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
