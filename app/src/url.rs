//! Percent-encoding for query-string values built by pages and redirects.

/// Encodes everything but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `path` with `saved=<what>` set in its query (replacing an earlier one), for the
/// "Saved" confirmation after a form redirects back to where it was sent from.
pub fn with_saved(path: &str, what: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("saved="))
        .collect();
    let saved = format!("saved={}", encode(what));
    parts.push(&saved);
    format!("{base}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn saved_replaces_an_earlier_confirmation() {
        assert_eq!(
            super::with_saved("/album/x", "added"),
            "/album/x?saved=added"
        );
        assert_eq!(
            super::with_saved("/search?q=a&saved=added", "added"),
            "/search?q=a&saved=added"
        );
        assert_eq!(
            super::with_saved("/search?saved=x&q=a", "added"),
            "/search?q=a&saved=added"
        );
    }

    #[test]
    fn reserved_characters_are_escaped() {
        assert_eq!(super::encode("r&b/x y#"), "r%26b%2Fx%20y%23");
        assert_eq!(super::encode("Ünï"), "%C3%9Cn%C3%AF");
    }
}
