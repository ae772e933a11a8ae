//! The tail's `/` filter: which kept lines contain the typed text (ASCII case
//! ignored), kept up to date as events arrive and leave the ring, and where the matches
//! are for highlighting and for `n`/`N`.

use std::collections::VecDeque;

/// The filter text and the event numbers of the kept lines that contain it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    /// Lower-cased `text`, matched against lower-cased lines.
    needle: String,
    /// Event numbers of matching lines, ascending.
    pub hits: VecDeque<u64>,
}

/// Byte ranges of every match of `needle` (already lower-cased) in `line`.
pub fn matches_in(line: &str, needle: &str) -> Vec<(usize, usize)> {
    if needle.is_empty() {
        return Vec::new();
    }
    // ASCII lower-casing keeps byte offsets; other letters match as typed.
    let hay = line.to_ascii_lowercase();
    hay.match_indices(needle)
        .map(|(i, m)| (i, i + m.len()))
        .collect()
}

impl Filter {
    pub fn is_active(&self) -> bool {
        !self.needle.is_empty()
    }

    pub fn needle(&self) -> &str {
        &self.needle
    }

    /// Sets the text and finds the kept lines it matches; `lower` are the lines with
    /// ASCII letters lower-cased, `lower[0]` being event `first`.
    pub fn set(&mut self, text: String, first: u64, lower: &VecDeque<String>) {
        let needle = text.to_ascii_lowercase();
        // Typing on narrows what already matched: only those lines are looked at again.
        let narrowing = self.is_active() && needle.contains(self.needle.as_str());
        self.needle = needle;
        self.text = text;
        if !self.is_active() {
            self.hits.clear();
            return;
        }
        let needle = self.needle.as_str();
        let line = |n: u64| {
            n.checked_sub(first)
                .and_then(|i| lower.get(i as usize))
                .map_or("", String::as_str)
        };
        if narrowing {
            self.hits.retain(|&n| line(n).contains(needle));
        } else {
            self.hits.clear();
            self.hits.extend(
                lower
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.contains(needle))
                    .map(|(i, _)| first + i as u64),
            );
        }
    }

    /// A new line (ASCII letters lower-cased): noted when it matches. True when the
    /// view lists it.
    pub fn offer(&mut self, number: u64, lower: &str) -> bool {
        if !self.is_active() {
            return true;
        }
        let hit = lower.contains(self.needle.as_str());
        if hit {
            self.hits.push_back(number);
        }
        hit
    }

    /// Lines before `first` left the ring.
    pub fn forget_before(&mut self, first: u64) {
        while self.hits.front().is_some_and(|&n| n < first) {
            self.hits.pop_front();
        }
    }

    /// The match after (or before) `from` = (event number, byte offset), wrapping around;
    /// `at_from` lets a match at `from` itself count (a first jump from a line).
    pub fn next_match(
        &self,
        lines: &VecDeque<String>,
        first: u64,
        from: Option<(u64, usize)>,
        forward: bool,
        at_from: bool,
    ) -> Option<(u64, usize)> {
        let all: Vec<(u64, usize)> = self
            .hits
            .iter()
            .flat_map(|&n| {
                let line = lines.get((n - first) as usize).map_or("", String::as_str);
                matches_in(line, &self.needle)
                    .into_iter()
                    .map(move |(at, _)| (n, at))
            })
            .collect();
        let found = match (from, forward) {
            (None, true) => all.first(),
            (None, false) => all.last(),
            (Some(f), true) => all
                .iter()
                .find(|m| **m > f || (at_from && **m == f))
                .or(all.first()),
            (Some(f), false) => all.iter().rev().find(|m| **m < f).or(all.last()),
        };
        found.copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_ignore_ascii_case_and_wrap_around() {
        assert_eq!(matches_in("aXbxc", "x"), vec![(1, 2), (3, 4)]);
        let lines: VecDeque<String> = ["ab", "xx", "cx"].map(String::from).into();
        let mut f = Filter::default();
        f.set("X".into(), 10, &lines);
        assert_eq!(f.hits, [11, 12]);
        f.set("XX".into(), 10, &lines);
        assert_eq!(f.hits, [11], "narrowed");
        f.set("c".into(), 10, &lines);
        assert_eq!(f.hits, [12], "a new search");
        f.set("X".into(), 10, &lines);
        // (from, forward, the match at `from` counts) → the match found.
        let cases = [
            (None, true, false, Some((11, 0))),
            (Some((11, 0)), true, false, Some((11, 1))),
            (Some((11, 0)), true, true, Some((11, 0))),
            (Some((12, 1)), true, false, Some((11, 0))),
            (Some((11, 0)), false, false, Some((12, 1))),
        ];
        for (from, forward, at_from, found) in cases {
            assert_eq!(
                f.next_match(&lines, 10, from, forward, at_from),
                found,
                "{from:?} {forward} {at_from}"
            );
        }
    }
}
