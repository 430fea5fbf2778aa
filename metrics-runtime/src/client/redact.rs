//! A URL as it may be shown in errors, logs and `Debug` output: without
//! the secrets a URL can carry.

/// `url` without its userinfo (`user:password@`), each query value
/// replaced by `<redacted>` (a token in `?api_key=…`), and no fragment.
/// Works on text that is not a valid URL too: it is what errors show.
pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (path, fragment) = match rest.split_once('#') {
        Some((path, _)) => (path, Some("<redacted>")),
        None => (rest, None),
    };
    let mut out = scheme.map_or_else(String::new, |scheme| format!("{scheme}://"));
    out.push_str(host);
    match path.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            out.push_str(&redact_query(query));
        }
        None => out.push_str(path),
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// `a=1&b` as `a=<redacted>&<redacted>`: a bare item may be a token too.
fn redact_query(query: &str) -> String {
    let items = query.split('&').map(|item| match item.split_once('=') {
        Some((name, _)) => format!("{name}=<redacted>"),
        None if item.is_empty() => String::new(),
        None => "<redacted>".to_owned(),
    });
    items.collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_query_values_and_fragments_are_left_out() {
        let cases = [
            ("http://h:1/api/v1/write", "http://h:1/api/v1/write"),
            (
                "https://user:hunter2@h:1/w?api_key=k3y&tenant=a&s3cret#frag",
                "https://h:1/w?api_key=<redacted>&tenant=<redacted>&<redacted>#<redacted>",
            ),
            ("http://u:p@h", "http://h"),
            ("user:hunter2@h:1?k=v", "h:1?k=<redacted>"),
            ("http://a@b@h:1/", "http://h:1/"),
            ("not a url", "not a url"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }
}
