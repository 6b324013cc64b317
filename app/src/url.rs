//! Percent-encoding for query-string values built by pages and redirects.

/// Encodes everything but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reserved_characters_are_escaped() {
        assert_eq!(super::encode("r&b/x y#"), "r%26b%2Fx%20y%23");
        assert_eq!(super::encode("Ünï"), "%C3%9Cn%C3%AF");
    }
}
