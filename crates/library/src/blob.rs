//! Feature vectors as BLOBs: little-endian IEEE-754 `f32`, 4 bytes per value, no header.

/// Encodes `values` as little-endian `f32` bytes.
pub(crate) fn encode(values: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 4);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Decodes little-endian `f32` bytes; `None` when the length is not a multiple of 4.
pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_bit_exact_and_little_endian() {
        let v = [
            0.0,
            -0.0,
            1.5,
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::INFINITY,
            1e-42,
        ];
        let bytes = encode(&v);
        assert_eq!(bytes.len(), 28);
        assert_eq!(&bytes[8..12], &[0x00, 0x00, 0xc0, 0x3f]); // 1.5f32
        let back = decode(&bytes).unwrap();
        for (a, b) in v.iter().zip(&back) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
        let nan = decode(&encode(&[f32::NAN])).unwrap();
        assert!(nan[0].is_nan());
    }

    #[test]
    fn ragged_blob_is_rejected() {
        assert_eq!(decode(&[1, 2, 3]), None);
        assert_eq!(decode(&[]), Some(vec![]));
    }
}
