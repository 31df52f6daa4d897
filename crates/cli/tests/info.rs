//! `genrekit info`: good files, a bad file among good ones, JSON output.

// Test helpers outside #[test] functions unwrap too; a panic is a test failure here.
#![allow(clippy::unwrap_used)]

mod util;

use util::{Dir, fixture};

#[test]
fn reports_gtzan_clip_length() {
    let Some(data) = util::shared_data() else {
        return;
    };
    let wav = data.join("gtzan/genres/blues/blues.00000.wav");
    let out = Dir::new().cmd(["info".as_ref(), wav.as_os_str()]).stdout();
    assert!(out.contains("661794 at 22050 Hz"), "{out}");
    assert!(out.contains("snippets      1 x 30 s: 0.00-30.01"), "{out}");
}

#[test]
fn reports_format_tags_and_snippets() {
    let mp3 = fixture("audio/tone_stereo_44100.mp3");
    let out = Dir::new()
        .cmd(["info", "--snippet-seconds", "0.5", mp3.to_str().unwrap()])
        .stdout();
    assert!(out.contains("format        mp3 / mp3"), "{out}");
    assert!(out.contains("channels      2"), "{out}");
    assert!(out.contains("sample rate   44100 Hz"), "{out}");
    assert!(out.contains("title         Fixture Tone"), "{out}");
    assert!(out.contains("genre         Test"), "{out}");
    // 1.5 s in 0.5 s snippets.
    assert!(
        out.contains("snippets      3 x 0.5 s: 0.00-0.50, 0.50-1.00, 1.00-1.50"),
        "{out}"
    );
}

#[test]
fn bad_file_among_good_ones_exits_3_and_names_it() {
    let dir = Dir::new();
    let bad = dir.create("broken.wav", b"not audio at all");
    let good = fixture("audio/tone1k_mono_22050_s16.wav");
    let ran = dir
        .cmd([
            "info".as_ref(),
            good.as_os_str(),
            bad.as_os_str(),
            good.as_os_str(),
        ])
        .run();
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    let lines: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", ran.stderr);
    assert!(lines[0].contains("broken.wav"), "{}", ran.stderr);
    assert!(
        lines[0].contains("unsupported or unrecognized format"),
        "{}",
        ran.stderr
    );
    assert_eq!(
        ran.stdout.matches("33075 at 22050 Hz").count(),
        2,
        "{}",
        ran.stdout
    );
}

#[test]
fn all_files_bad_exits_1() {
    let dir = Dir::new();
    let ran = dir.cmd(["info", "missing.mp3", "also-missing.flac"]).run();
    assert_eq!(ran.code, Some(1));
    assert_eq!(ran.stderr.lines().count(), 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("missing.mp3: cannot read the file"),
        "{}",
        ran.stderr
    );
}

#[test]
fn json_output() {
    let ogg = fixture("audio/clicks120_mono_22050.ogg");
    let flac = fixture("audio/chirp_mono_192000.flac");
    let out = Dir::new()
        .cmd([
            "info",
            "--format",
            "json",
            ogg.to_str().unwrap(),
            flac.to_str().unwrap(),
        ])
        .stdout();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files = v.as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["codec"], "vorbis");
    assert_eq!(files[0]["channels"], 1);
    assert_eq!(files[0]["samples"], 44100);
    assert_eq!(files[0]["tags"]["artist"], "genrekit");
    assert_eq!(files[0]["snippets"], serde_json::json!([[0.0, 2.0]]));
    assert_eq!(files[1]["sample_rate"], 192000);
    assert_eq!(files[1]["samples"], 24255);
    assert_eq!(files[1]["analysis_sample_rate"], 22050);
}

#[test]
fn help_documents_exit_status() {
    let out = Dir::new().cmd(["info", "--help"]).stdout();
    assert!(out.contains("3 when some files could not be read"), "{out}");
}
