//! `genrekit playlists` and `genrekit playlist` (issue #7): M3U8 per genre, seed walks.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};

use util::Dir;

/// Three fixture tracks analyzed into `lib.db`; returns their canonical paths.
fn library(dir: &Dir) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for (fixture, name) in [
        ("audio/tone_stereo_44100.flac", "music/a.flac"),
        ("audio/clicks120_mono_22050.ogg", "music/b.ogg"),
        ("audio/tone1k_mono_22050_s16.wav", "music/c.wav"),
    ] {
        let p = dir.create(name, &std::fs::read(util::fixture(fixture)).unwrap());
        paths.push(std::fs::canonicalize(p).unwrap());
    }
    dir.cmd(["analyze", "--db", "lib.db", "--quiet", "music"])
        .stdout();
    paths
}

/// The (EXTINF, path) pairs of an extended M3U playlist.
fn entries(m3u: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = m3u.lines().collect();
    assert_eq!(lines.first(), Some(&"#EXTM3U"), "{m3u}");
    lines[1..]
        .chunks(2)
        .map(|c| {
            assert!(c[0].starts_with("#EXTINF:"), "{m3u}");
            (c[0].to_string(), c[1].to_string())
        })
        .collect()
}

fn lists(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn one_playlist_per_genre_with_extinf_and_relative_paths() {
    let dir = Dir::new();
    let paths = library(&dir);
    let ran = dir
        .cmd(["playlists", "--db", "lib.db", "--out", "lists"])
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let files = lists(&dir.path().join("lists"));
    assert!(!files.is_empty());
    let mut all = Vec::new();
    for f in &files {
        assert_eq!(f.extension().unwrap(), "m3u8");
        all.extend(entries(&std::fs::read_to_string(f).unwrap()));
    }
    let mut listed: Vec<PathBuf> = all.iter().map(|(_, p)| PathBuf::from(p)).collect();
    listed.sort();
    assert_eq!(listed, paths, "every track once, absolute");
    assert!(
        all.iter()
            .any(|(i, p)| p.ends_with("c.wav") && i.starts_with("#EXTINF:") && i.ends_with(",c")),
        "untagged: the file stem: {all:?}"
    );
    assert!(
        all.iter()
            .any(|(i, p)| p.ends_with("a.flac") && i.ends_with(",genrekit - Fixture Tone")),
        "artist - title: {all:?}"
    );
    assert!(
        all.iter().all(|(i, _)| !i.starts_with("#EXTINF:-1")),
        "durations known: {all:?}"
    );

    // Relative paths resolve from the playlist's folder; disliked tracks are left out.
    dir.cmd(["dislike", "--db", "lib.db", "music/c.wav"])
        .stdout();
    dir.cmd(["playlists", "--db", "lib.db", "--out", "rel", "--relative"])
        .stdout();
    let rel = dir.path().join("rel");
    let mut n = 0;
    for f in lists(&rel) {
        for (_, p) in entries(&std::fs::read_to_string(&f).unwrap()) {
            assert!(p.starts_with("../music/"), "{p}");
            assert!(rel.join(&p).is_file(), "{p}");
            assert!(!p.ends_with("c.wav"));
            n += 1;
        }
    }
    assert_eq!(n, 2);

    // A confidence nobody reaches: no playlists.
    dir.cmd([
        "playlists",
        "--db",
        "lib.db",
        "--out",
        "none",
        "--min-confidence",
        "1.01",
    ])
    .stdout();
    assert!(lists(&dir.path().join("none")).is_empty());
}

#[test]
fn seed_walk_starts_at_the_seed_and_never_repeats() {
    let dir = Dir::new();
    let paths = library(&dir);
    let out = dir
        .cmd([
            "playlist",
            "--db",
            "lib.db",
            "--seed",
            "music/b.ogg",
            "-n",
            "2",
        ])
        .stdout();
    let e = entries(&out);
    assert_eq!(e.len(), 2);
    assert_eq!(PathBuf::from(&e[0].1), paths[1]);
    assert_ne!(e[0].1, e[1].1);

    let ran = dir
        .cmd([
            "playlist",
            "--db",
            "lib.db",
            "--seed",
            "music/a.flac",
            "--out",
            "walk.m3u8",
        ])
        .run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let e = entries(&std::fs::read_to_string(dir.path().join("walk.m3u8")).unwrap());
    let mut walked: Vec<PathBuf> = e.iter().map(|(_, p)| PathBuf::from(p)).collect();
    assert_eq!(walked[0], paths[0]);
    walked.sort();
    assert_eq!(walked, paths, "all three, each once");

    let ran = dir
        .cmd(["playlist", "--db", "lib.db", "--seed", "music/zzz.ogg"])
        .run();
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("zzz.ogg: not an analyzed track"),
        "{}",
        ran.stderr
    );
}
