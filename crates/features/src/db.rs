//! Power to decibels, mirroring `librosa.power_to_db`.

/// librosa's `power_to_db` default `amin`: powers below it count as it.
pub const AMIN: f32 = 1e-10;
/// librosa's `power_to_db` default `top_db`: values more than this below the maximum are raised
/// to it.
pub const TOP_DB: f32 = 80.0;

/// Converts power values to decibels in place, relative to a reference power of 1.
///
/// Mirrors `librosa.power_to_db(S, ref=1.0, amin=amin, top_db=top_db)` on the whole array:
/// `x ← 10 log10(max(amin, x))`, then, if `top_db` is given, `x ← max(x, max_all(x) - top_db)`
/// where the maximum is over every element of `s` (librosa's defaults: `amin = 1e-10`,
/// `top_db = Some(80.0)`). Computed in f32 as librosa does for float32 input.
/// An empty slice is left as it is.
///
/// # Panics
/// If `amin` is not positive or `top_db` is negative.
pub fn power_to_db_in_place(s: &mut [f32], amin: f32, top_db: Option<f32>) {
    let max = power_to_db_unclamped(s, amin);
    if let Some(top_db) = top_db {
        let floor = db_floor(max, top_db);
        for x in s.iter_mut() {
            *x = x.max(floor);
        }
    }
}

/// The first step of [`power_to_db_in_place`], `x ← 10 log10(max(amin, x))` without the `top_db`
/// floor; returns the largest result (`-inf` for an empty slice). A caller that shares these
/// values between spectrograms applies each one's floor ([`db_floor`]) as it reads them.
///
/// # Panics
/// If `amin` is not positive.
pub fn power_to_db_unclamped(s: &mut [f32], amin: f32) -> f32 {
    assert!(amin > 0.0, "amin must be positive, got {amin}");
    let mut max = f32::NEG_INFINITY;
    for x in s.iter_mut() {
        *x = 10.0 * x.max(amin).log10();
        max = max.max(*x);
    }
    max
}

/// The floor `max - top_db` that [`power_to_db_in_place`] puts under every value, for the
/// largest unclamped value `max`.
///
/// # Panics
/// If `top_db` is negative.
pub fn db_floor(max: f32, top_db: f32) -> f32 {
    assert!(top_db >= 0.0, "top_db must be non-negative, got {top_db}");
    max - top_db
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_close, reference};

    #[test]
    fn matches_definition_on_small_values() {
        let mut s = [1.0f32, 0.1, 1e-12, 0.0, 100.0, 1e-9];
        power_to_db_in_place(&mut s, 1e-10, Some(80.0));
        // 10 log10: 0, -10, -100 (amin), -100 (amin), 20, -90; floor at 20 - 80 = -60.
        assert_eq!(s, [0.0, -10.0, -60.0, -60.0, 20.0, -60.0]);
        let mut s = [1e-12f32, 10.0];
        power_to_db_in_place(&mut s, 1e-10, None);
        assert_eq!(s, [-100.0, 10.0]);
        power_to_db_in_place(&mut [], 1e-10, Some(80.0));
    }

    #[test]
    fn matches_librosa_power_to_db_of_reference_mel() {
        for name in ["chirp", "noise", "short_1000", "tone_443"] {
            let power = reference(name, "mel_power");
            let mut s: Vec<f32> = power.data.iter().map(|&v| v as f32).collect();
            power_to_db_in_place(&mut s, 1e-10, Some(80.0));
            let actual: Vec<f64> = s.iter().map(|&v| f64::from(v)).collect();
            // Same f32 input; log10 in Rust and numpy may differ by an ulp (~4e-6 dB at 80 dB).
            assert_close(name, &actual, &reference(name, "mel_db").data, 1e-6, 1e-5);
        }
    }
}
