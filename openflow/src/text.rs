//! Fixed-width, NUL-padded text fields (port names, descriptions) shared by both versions.

/// Reads a NUL-padded field: the bytes up to the first NUL (or all of them), as UTF-8 with
/// invalid sequences replaced, cut back at a character boundary to the field's width so
/// that it always fits when encoded again.
pub(crate) fn read_fixed(field: &[u8]) -> String {
    let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    let mut s = String::from_utf8_lossy(&field[..end]).into_owned();
    // U+FFFD takes 3 bytes where the invalid byte took 1.
    while s.len() > field.len() {
        s.pop();
    }
    s
}

/// The longest prefix of `s` that fits in `width` bytes without splitting a character.
pub(crate) fn fitting_prefix(s: &str, width: usize) -> &str {
    let mut end = s.len().min(width);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Writes `s` into a field of `width` bytes, NUL padded; a string that fills the whole field
/// gets no terminating NUL (as switches send them), a longer one is cut at a character
/// boundary.
pub(crate) fn write_fixed(out: &mut Vec<u8>, s: &str, width: usize) {
    let p = fitting_prefix(s, width);
    out.extend_from_slice(p.as_bytes());
    out.resize(out.len() + (width - p.len()), 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_invalid_utf8_survive_a_round_trip() {
        let full = [b'A'; 16];
        let s = read_fixed(&full);
        assert_eq!(s.len(), 16);
        let mut out = vec![];
        write_fixed(&mut out, &s, 16);
        assert_eq!(out, full);
        let bad = [0xffu8; 16];
        let s = read_fixed(&bad);
        assert!(s.len() <= 16);
        let mut out = vec![];
        write_fixed(&mut out, &s, 16);
        assert_eq!(read_fixed(&out), s);
        let mut out = vec![];
        write_fixed(&mut out, "ééé", 5); // 6 bytes: cut to 2 characters
        assert_eq!(out, "éé\0".as_bytes());
    }
}
