//! `genrekit like`, `dislike`, `unlike` and `like --import` (issue #7).

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use serde_json::Value;
use util::Dir;

/// Copies fixture audio into `music/` and returns the copies' canonical paths.
fn music(dir: &Dir) -> [std::path::PathBuf; 2] {
    let copy = |fixture: &str, name: &str| {
        let p = dir.create(name, &std::fs::read(util::fixture(fixture)).unwrap());
        std::fs::canonicalize(p).unwrap()
    };
    [
        copy("audio/tone_stereo_44100.flac", "music/a.flac"),
        copy("audio/clicks120_mono_22050.ogg", "music/b c.ogg"),
    ]
}

fn stats(dir: &Dir) -> Value {
    let out = dir
        .cmd(["library", "--db", "lib.db", "stats", "--format", "json"])
        .stdout();
    serde_json::from_str(&out).unwrap()
}

#[test]
fn like_analyzes_unknown_tracks_first_and_dislike_unlike_change_it() {
    let dir = Dir::new();
    let [a, b] = music(&dir);
    let out = dir.cmd(["like", "--db", "lib.db", "music/a.flac"]).stdout();
    assert_eq!(out, format!("liked\t{}\n", a.display()));
    let s = stats(&dir);
    assert_eq!(
        (s["analyzed"].as_u64(), s["liked"].as_u64()),
        (Some(1), Some(1)),
        "{s}"
    );

    // A folder: the liked track is not analyzed again, the other one is.
    let ran = dir.cmd(["dislike", "--db", "lib.db", "music"]).run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stderr.contains("analyzing 1 track "), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        format!("disliked\t{}\ndisliked\t{}\n", a.display(), b.display())
    );
    let s = stats(&dir);
    assert_eq!(
        (s["analyzed"].as_u64(), s["liked"].as_u64()),
        (Some(2), Some(0)),
        "{s}"
    );
    assert_eq!(s["disliked"].as_u64(), Some(2));

    let out = dir
        .cmd(["unlike", "--db", "lib.db", "music/a.flac"])
        .stdout();
    assert_eq!(out, format!("unliked\t{}\n", a.display()));
    let out = dir
        .cmd(["unlike", "--db", "lib.db", "music/a.flac"])
        .stdout();
    assert!(out.starts_with("no opinion\t"), "{out}");
    assert_eq!(stats(&dir)["disliked"].as_u64(), Some(1));
}

#[test]
fn bad_paths_are_named_and_the_rest_goes_on() {
    let dir = Dir::new();
    let [a, _] = music(&dir);
    dir.create("music/notes.wav", b"not audio at all");
    let ran = dir
        .cmd([
            "like",
            "--db",
            "lib.db",
            "music/a.flac",
            "music/missing.ogg",
            "music/notes.wav",
        ])
        .run();
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    assert_eq!(ran.stdout, format!("liked\t{}\n", a.display()));
    assert!(
        ran.stderr.contains("missing.ogg: no such file"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("notes.wav"), "{}", ran.stderr);

    // Unlike never analyzes: a file outside the library is an error.
    let ran = dir.cmd(["unlike", "--db", "lib.db", "music/b c.ogg"]).run();
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("b c.ogg: not in the library"),
        "{}",
        ran.stderr
    );
}

#[test]
fn import_takes_the_tracks_of_an_m3u_playlist() {
    let dir = Dir::new();
    let [a, b] = music(&dir);
    dir.create(
        "lists/likes.m3u8",
        format!(
            "#EXTM3U\n#EXTINF:30,Fixture - Tone\n../music/a.flac\n\n#EXTINF:-1,x\n{}\nmissing.ogg\n",
            b.display()
        )
        .as_bytes(),
    );
    let ran = dir
        .cmd(["like", "--db", "lib.db", "--import", "lists/likes.m3u8"])
        .run();
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        format!("liked\t{}\nliked\t{}\n", a.display(), b.display())
    );
    assert!(ran.stderr.contains("missing.ogg"), "{}", ran.stderr);
    assert_eq!(stats(&dir)["liked"].as_u64(), Some(2));

    let ran = dir
        .cmd(["like", "--db", "lib.db", "--import", "lists/nope.m3u"])
        .run();
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("nope.m3u: cannot read the playlist"),
        "{}",
        ran.stderr
    );
}
