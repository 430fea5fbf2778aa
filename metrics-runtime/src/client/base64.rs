//! RFC 4648 base64: standard (basic auth) and URL-safe (Pushgateway paths).

/// The standard alphabet, for `Authorization: Basic`.
#[cfg_attr(not(feature = "remote-write"), allow(dead_code))]
pub(crate) const STANDARD: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// The URL- and filename-safe alphabet.
#[cfg_attr(not(feature = "push"), allow(dead_code))]
pub(crate) const URL_SAFE: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` in base64 with `alphabet`, padded with `=` when `pad` says so.
pub(crate) fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let triple = chunk.iter().enumerate().fold(0u32, |acc, (i, &byte)| {
            acc | u32::from(byte) << (16 - 8 * i)
        });
        // n bytes carry 8n bits: n + 1 characters of 6 bits.
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[(triple >> (18 - 6 * i)) as usize & 63]));
        }
        if pad {
            out.extend(std::iter::repeat_n('=', 3 - chunk.len()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_alphabets_match_rfc_4648_vectors() {
        let cases = [
            ("", "", ""),
            ("f", "Zg", "Zg=="),
            ("fo", "Zm8", "Zm8="),
            ("foo", "Zm9v", "Zm9v"),
            ("foob", "Zm9vYg", "Zm9vYg=="),
            ("fooba", "Zm9vYmE", "Zm9vYmE="),
        ];
        for (input, unpadded, padded) in cases {
            assert_eq!(encode(input.as_bytes(), URL_SAFE, false), unpadded);
            assert_eq!(encode(input.as_bytes(), STANDARD, true), padded);
        }
        assert_eq!(encode(&[0xfb, 0xff], URL_SAFE, false), "-_8");
        assert_eq!(encode(&[0xfb, 0xff], STANDARD, true), "+/8=");
    }
}
