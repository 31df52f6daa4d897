//! Settings for decoding and for cutting snippets.

/// The sample rate genrekit analyzes at, in Hz: librosa's default `sr=22050` in `librosa.load`.
pub const DEFAULT_SAMPLE_RATE: u32 = 22050;

/// The default snippet length in seconds (GTZAN clips are 30 s long).
pub const DEFAULT_SNIPPET_SECONDS: f64 = 30.0;

/// The default minimum duration, in seconds, of a track that can be analyzed.
pub const DEFAULT_MIN_DURATION_SECONDS: f64 = 1.0;

/// How to decode a file: the target sample rate and the shortest track accepted.
///
/// ```
/// use genrekit_audio::DecodeOptions;
/// let opts = DecodeOptions::default().sample_rate(16_000).min_duration_seconds(0.5);
/// assert_eq!(opts.target_sample_rate(), 16_000);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeOptions {
    sample_rate: u32,
    min_duration_seconds: f64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            sample_rate: DEFAULT_SAMPLE_RATE,
            min_duration_seconds: DEFAULT_MIN_DURATION_SECONDS,
        }
    }
}

impl DecodeOptions {
    /// Sets the rate, in Hz, the mono signal is resampled to (default 22050).
    ///
    /// # Panics
    ///
    /// Panics if `rate` is 0 (a caller bug: validate user input first).
    pub fn sample_rate(mut self, rate: u32) -> Self {
        assert!(rate > 0, "target sample rate must be positive, got {rate}");
        self.sample_rate = rate;
        self
    }

    /// Sets the shortest accepted track, in seconds after resampling (default 1.0).
    ///
    /// # Panics
    ///
    /// Panics if `seconds` is negative or not finite.
    pub fn min_duration_seconds(mut self, seconds: f64) -> Self {
        assert!(
            seconds.is_finite() && seconds >= 0.0,
            "minimum duration must be finite and >= 0, got {seconds}"
        );
        self.min_duration_seconds = seconds;
        self
    }

    /// The rate, in Hz, the audio is resampled to.
    pub fn target_sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The shortest accepted track, in seconds.
    pub fn min_duration(&self) -> f64 {
        self.min_duration_seconds
    }
}

/// How to cut a track into snippets: the snippet length (default 30 s).
///
/// ```
/// use genrekit_audio::SnippetOptions;
/// let opts = SnippetOptions::default().length_seconds(10.0);
/// assert_eq!(opts.length_samples(22050), 220_500);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SnippetOptions {
    length_seconds: f64,
}

impl Default for SnippetOptions {
    fn default() -> Self {
        SnippetOptions {
            length_seconds: DEFAULT_SNIPPET_SECONDS,
        }
    }
}

impl SnippetOptions {
    /// Sets the snippet length in seconds.
    ///
    /// # Panics
    ///
    /// Panics if `seconds` is not finite or not positive.
    pub fn length_seconds(mut self, seconds: f64) -> Self {
        assert!(
            seconds.is_finite() && seconds > 0.0,
            "snippet length must be finite and positive, got {seconds}"
        );
        self.length_seconds = seconds;
        self
    }

    /// The snippet length in seconds.
    pub fn seconds(&self) -> f64 {
        self.length_seconds
    }

    /// The snippet length in samples at `sample_rate`: `round(seconds * sample_rate)`, at least 1.
    pub fn length_samples(&self, sample_rate: u32) -> usize {
        let n = (self.length_seconds * f64::from(sample_rate)).round();
        // Saturating float-to-int conversion; huge lengths simply never split a track.
        (n as usize).max(1)
    }
}
