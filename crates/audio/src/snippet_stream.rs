//! The streaming snippet iterator: decodes packet by packet and yields each snippet as soon as
//! it is known to be complete.

use crate::decode::{Pipeline, StreamTimings};
use crate::error::AudioError;
use crate::snippet::{Snippet, remainder_stands_alone};

/// Iterator over the snippets of one track, decoding as it goes.
///
/// Snippet `k` is released once `(k + 1) * L + L / 2` samples have been decoded (then the
/// remainder can no longer join it) or the stream has ended; the last snippet takes every
/// sample left, so the snippets follow [`crate::snippet_plan`] exactly. Only the samples of the
/// current, unreleased snippet are held (at most about `1.5 * L` plus one packet).
///
/// After an error the iterator yields `None`. Once exhausted, [`Snippets::total_samples`] and
/// [`Snippets::skipped_packets`] tell how much was decoded and how many packets were skipped.
pub struct Snippets {
    pipeline: Pipeline,
    len: usize,
    pending: Vec<f32>,
    next_index: usize,
    next_start: usize,
    finished: bool,
    stream_ended: bool,
}

impl std::fmt::Debug for Snippets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snippets")
            .field("path", &self.pipeline.path)
            .field("length_samples", &self.len)
            .field("next_index", &self.next_index)
            .finish_non_exhaustive()
    }
}

impl Snippets {
    pub(crate) fn new(pipeline: Pipeline, len: usize) -> Snippets {
        // Room for 1.5 snippets plus a packet's worth, reserved once; capped so that a huge
        // snippet length does not reserve memory the track will never need.
        let cap = len.saturating_add(len / 2).min(1 << 24) + 8192;
        Snippets {
            pipeline,
            len,
            pending: Vec::with_capacity(cap),
            next_index: 0,
            next_start: 0,
            finished: false,
            stream_ended: false,
        }
    }

    /// Target-rate samples decoded so far (the track's length once the iterator is exhausted).
    pub fn total_samples(&self) -> usize {
        self.pipeline.emitted
    }

    /// Packets that could not be decoded and were skipped so far.
    pub fn skipped_packets(&self) -> usize {
        self.pipeline.skipped
    }

    /// The target sample rate of the snippets, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.pipeline.target_rate
    }

    /// Channels of the source (as seen in the last decoded packet; 0 before decoding).
    pub fn source_channels(&self) -> usize {
        self.pipeline.channels
    }

    /// Wall time this stream has spent so far decoding and resampling, for benchmarks
    /// (`genrekit bench`): the two are interleaved packet by packet inside the iterator, so a
    /// caller timing `next()` cannot tell them apart. Time the caller spends between snippets
    /// is not included.
    pub fn timings(&self) -> StreamTimings {
        self.pipeline.timings
    }

    fn take(&mut self, n: usize) -> Snippet {
        let samples = if n == self.pending.len() {
            std::mem::take(&mut self.pending)
        } else {
            let s = self.pending[..n].to_vec();
            self.pending.drain(..n);
            s
        };
        let snippet = Snippet {
            index: self.next_index,
            start: self.next_start,
            samples,
        };
        self.next_index += 1;
        self.next_start += n;
        snippet
    }

    fn step(&mut self) -> Result<Option<Snippet>, AudioError> {
        loop {
            let have = self.pending.len();
            if have >= self.len && remainder_stands_alone(have - self.len, self.len) {
                return Ok(Some(self.take(self.len)));
            }
            if self.stream_ended {
                self.finished = true;
                self.pipeline.check_length()?;
                if self.pending.is_empty() {
                    return Ok(None);
                }
                let n = self.pending.len();
                return Ok(Some(self.take(n)));
            }
            if !self.pipeline.fill(&mut self.pending)? {
                self.stream_ended = true;
            }
        }
    }
}

impl Iterator for Snippets {
    type Item = Result<Snippet, AudioError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.step() {
            Ok(Some(s)) => Some(Ok(s)),
            Ok(None) => None,
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}
