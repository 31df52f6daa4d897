//! The snippet rule: fixed-length windows, with a short tail joining the window before it.

use std::ops::Range;

use crate::options::SnippetOptions;

/// One window of a track: mono samples at the target rate, starting at sample `start`.
#[derive(Clone, Debug, PartialEq)]
pub struct Snippet {
    /// Position of this snippet in the track, from 0.
    pub index: usize,
    /// First sample of the snippet, counted in target-rate samples from the start of the track.
    pub start: usize,
    /// The samples, mono, at the target rate.
    pub samples: Vec<f32>,
}

impl Snippet {
    /// One past the last sample of the snippet: `start + samples.len()`.
    pub fn end(&self) -> usize {
        self.start + self.samples.len()
    }

    /// Start time in seconds: `start / sample_rate`.
    pub fn start_seconds(&self, sample_rate: u32) -> f64 {
        self.start as f64 / f64::from(sample_rate)
    }

    /// End time in seconds: `end / sample_rate`.
    pub fn end_seconds(&self, sample_rate: u32) -> f64 {
        self.end() as f64 / f64::from(sample_rate)
    }

    /// The sample range this snippet covers in the track.
    pub fn range(&self) -> Range<usize> {
        self.start..self.end()
    }
}

/// True when a remainder of `rem` samples is long enough (at least half of `len`) to be a
/// snippet of its own; shorter remainders join the previous snippet.
pub(crate) fn remainder_stands_alone(rem: usize, len: usize) -> bool {
    rem.saturating_mul(2) >= len
}

/// The snippets of a track of `n_samples` samples at `sample_rate`, as sample ranges.
///
/// With `L = opts.length_samples(sample_rate)`, the track is cut into windows of `L`
/// samples; a trailing remainder shorter than `L / 2` joins the last window, a remainder of
/// at least `L / 2` is a snippet of its own, and a track shorter than `L` is one snippet.
/// The ranges cover `0..n_samples` without gaps; an empty track has no snippets.
/// A GTZAN clip (661794 samples at 22050 Hz, 30 s snippets) is one snippet `0..661794`.
pub fn snippet_plan(
    n_samples: usize,
    sample_rate: u32,
    opts: &SnippetOptions,
) -> Vec<Range<usize>> {
    let len = opts.length_samples(sample_rate);
    if n_samples == 0 {
        return Vec::new();
    }
    let full = n_samples / len;
    let rem = n_samples % len;
    let mut plan: Vec<Range<usize>> = Vec::with_capacity(full + 1);
    if full == 0 {
        plan.push(0..n_samples);
        return plan;
    }
    plan.extend((0..full).map(|k| k * len..(k + 1) * len));
    if rem > 0 {
        if remainder_stands_alone(rem, len) {
            plan.push(full * len..n_samples);
        } else if let Some(last) = plan.last_mut() {
            last.end = n_samples;
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(n: usize, len_s: f64) -> Vec<Range<usize>> {
        // sample rate 10 Hz keeps the numbers readable.
        snippet_plan(n, 10, &SnippetOptions::default().length_seconds(len_s))
    }

    #[test]
    fn gtzan_clip_is_one_snippet() {
        let p = snippet_plan(661_794, 22050, &SnippetOptions::default());
        assert_eq!(p, vec![0..661_794]);
    }

    #[test]
    fn short_track_is_one_snippet() {
        assert_eq!(plan(7, 3.0), vec![0..7]);
        assert_eq!(plan(1, 3.0), vec![0..1]);
        assert!(plan(0, 3.0).is_empty());
    }

    #[test]
    fn short_remainder_joins_previous() {
        // L = 30: remainder 14 < 15 joins.
        assert_eq!(plan(74, 3.0), vec![0..30, 30..74]);
        // remainder exactly half stands alone.
        assert_eq!(plan(75, 3.0), vec![0..30, 30..60, 60..75]);
        assert_eq!(plan(90, 3.0), vec![0..30, 30..60, 60..90]);
        // odd length 31: half is 15.5; 15 joins, 16 stands alone.
        assert_eq!(plan(46, 3.1), vec![0..46]);
        assert_eq!(plan(47, 3.1), vec![0..31, 31..47]);
    }

    #[test]
    fn plan_covers_every_sample_for_many_lengths() {
        for n in 1..400 {
            let p = plan(n, 3.0);
            assert_eq!(p[0].start, 0);
            assert_eq!(p.last().map(|r| r.end), Some(n));
            for w in p.windows(2) {
                assert_eq!(w[0].end, w[1].start);
            }
            for r in &p[..p.len() - 1] {
                assert_eq!(r.len(), 30, "n={n}");
            }
            if p.len() > 1 {
                let last = p[p.len() - 1].len();
                assert!((15..45).contains(&last), "n={n} last={last}");
            }
        }
    }

    #[test]
    fn snippet_times() {
        let s = Snippet {
            index: 1,
            start: 22050,
            samples: vec![0.0; 11025],
        };
        assert_eq!(s.end(), 33075);
        assert_eq!(s.start_seconds(22050), 1.0);
        assert_eq!(s.end_seconds(22050), 1.5);
        assert_eq!(s.range(), 22050..33075);
    }
}
