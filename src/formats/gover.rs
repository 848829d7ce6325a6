//! Go versions (`1.22`, `go1.26.8`, `1.21rc1`) parsed and compared as the go command does.

/// `go1.26.8` → (1, 26, 8); `1.22` → (1, 22, 0).
pub fn parse_go_version(v: &str) -> Option<(u32, u32, u32)> {
    let v = v.strip_prefix("go").unwrap_or(v);
    let core: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut it = core.split('.').map(|p| p.parse::<u32>().ok());
    Some((
        it.next()??,
        it.next().flatten().unwrap_or(0),
        it.next().flatten().unwrap_or(0),
    ))
}
