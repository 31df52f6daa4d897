//! The named feature schema: which number sits at which index of a snippet's feature vector.
//!
//! The first 57 columns are those of the public GTZAN feature table (`features_30_sec.csv`),
//! with its names and in its order, so that a model trained on the table reads vectors made here.
//! Extra features are appended after them, never in between.

/// Version of the feature schema. Bump it whenever a column is added, removed or computed
/// differently; models and stored features record it.
pub const SCHEMA_VERSION: u32 = 1;

/// The 57 feature columns of the GTZAN table, between its `filename,length` and `label` columns.
pub const TABLE_COLUMNS: [&str; 57] = [
    "chroma_stft_mean",
    "chroma_stft_var",
    "rms_mean",
    "rms_var",
    "spectral_centroid_mean",
    "spectral_centroid_var",
    "spectral_bandwidth_mean",
    "spectral_bandwidth_var",
    "rolloff_mean",
    "rolloff_var",
    "zero_crossing_rate_mean",
    "zero_crossing_rate_var",
    "harmony_mean",
    "harmony_var",
    "perceptr_mean",
    "perceptr_var",
    "tempo",
    "mfcc1_mean",
    "mfcc1_var",
    "mfcc2_mean",
    "mfcc2_var",
    "mfcc3_mean",
    "mfcc3_var",
    "mfcc4_mean",
    "mfcc4_var",
    "mfcc5_mean",
    "mfcc5_var",
    "mfcc6_mean",
    "mfcc6_var",
    "mfcc7_mean",
    "mfcc7_var",
    "mfcc8_mean",
    "mfcc8_var",
    "mfcc9_mean",
    "mfcc9_var",
    "mfcc10_mean",
    "mfcc10_var",
    "mfcc11_mean",
    "mfcc11_var",
    "mfcc12_mean",
    "mfcc12_var",
    "mfcc13_mean",
    "mfcc13_var",
    "mfcc14_mean",
    "mfcc14_var",
    "mfcc15_mean",
    "mfcc15_var",
    "mfcc16_mean",
    "mfcc16_var",
    "mfcc17_mean",
    "mfcc17_var",
    "mfcc18_mean",
    "mfcc18_var",
    "mfcc19_mean",
    "mfcc19_var",
    "mfcc20_mean",
    "mfcc20_var",
];

/// The extra columns after the table's 57, in order: spectral contrast of the 7 bands of
/// `librosa.feature.spectral_contrast(S=S)` (6 octave bands from 200 Hz plus the rest), then the
/// 6 tonnetz dimensions computed from the same chroma as `chroma_stft` (see [`crate::Tonnetz`]).
pub const EXTRA_COLUMNS: [&str; 26] = [
    "spectral_contrast1_mean",
    "spectral_contrast1_var",
    "spectral_contrast2_mean",
    "spectral_contrast2_var",
    "spectral_contrast3_mean",
    "spectral_contrast3_var",
    "spectral_contrast4_mean",
    "spectral_contrast4_var",
    "spectral_contrast5_mean",
    "spectral_contrast5_var",
    "spectral_contrast6_mean",
    "spectral_contrast6_var",
    "spectral_contrast7_mean",
    "spectral_contrast7_var",
    "tonnetz1_mean",
    "tonnetz1_var",
    "tonnetz2_mean",
    "tonnetz2_var",
    "tonnetz3_mean",
    "tonnetz3_var",
    "tonnetz4_mean",
    "tonnetz4_var",
    "tonnetz5_mean",
    "tonnetz5_var",
    "tonnetz6_mean",
    "tonnetz6_var",
];

/// Number of values in a feature vector: the table's 57 columns plus the extras.
pub const N_FEATURES: usize = TABLE_COLUMNS.len() + EXTRA_COLUMNS.len();

/// Every feature name in vector order: [`TABLE_COLUMNS`] then [`EXTRA_COLUMNS`].
pub static FEATURE_NAMES: [&str; N_FEATURES] = {
    let mut names = [""; N_FEATURES];
    let mut i = 0;
    while i < TABLE_COLUMNS.len() {
        names[i] = TABLE_COLUMNS[i];
        i += 1;
    }
    let mut j = 0;
    while j < EXTRA_COLUMNS.len() {
        names[i + j] = EXTRA_COLUMNS[j];
        j += 1;
    }
    names
};

/// Every feature name in vector order, as a slice (see [`FEATURE_NAMES`]).
pub fn feature_names() -> &'static [&'static str] {
    &FEATURE_NAMES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_columns_come_first_and_names_are_unique() {
        assert_eq!(&FEATURE_NAMES[..57], &TABLE_COLUMNS[..]);
        let mut seen = std::collections::HashSet::new();
        for name in FEATURE_NAMES {
            assert!(seen.insert(name), "duplicate feature name {name}");
        }
    }

    #[test]
    fn table_columns_match_the_gtzan_header() {
        let header = "chroma_stft_mean,chroma_stft_var,rms_mean,rms_var,spectral_centroid_mean,\
            spectral_centroid_var,spectral_bandwidth_mean,spectral_bandwidth_var,rolloff_mean,\
            rolloff_var,zero_crossing_rate_mean,zero_crossing_rate_var,harmony_mean,harmony_var,\
            perceptr_mean,perceptr_var,tempo";
        let names: Vec<&str> = header.split(',').collect();
        assert_eq!(&TABLE_COLUMNS[..names.len()], &names[..]);
        assert_eq!(TABLE_COLUMNS[17], "mfcc1_mean");
        assert_eq!(TABLE_COLUMNS[56], "mfcc20_var");
    }
}
