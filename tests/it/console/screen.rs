//! Enough of a terminal to read the console's output as a person would see it.

/// The size the console's terminal has unless a test asks for another.
pub const COLS: usize = 120;
pub const ROWS: usize = 40;

/// Enough of a terminal to follow ratatui's output: cursor moves, printable text,
/// clears; everything else (colours, modes) is skipped.
pub struct Screen {
    cols: usize,
    rows: usize,
    grid: Vec<Vec<char>>,
    row: usize,
    col: usize,
    /// Every byte the console wrote, for the escape sequences themselves.
    pub raw: Vec<u8>,
    pending: Vec<u8>,
}

impl Screen {
    pub fn new(cols: usize, rows: usize) -> Screen {
        Screen {
            cols,
            rows,
            grid: vec![vec![' '; cols]; rows],
            row: 0,
            col: 0,
            raw: Vec::new(),
            pending: Vec::new(),
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.raw.extend_from_slice(bytes);
        self.pending.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let text = String::from_utf8_lossy(&self.pending[..valid]).into_owned();
        // Keep an escape sequence cut in half for the next read.
        let cut = text
            .rfind('\x1b')
            .filter(|&i| !complete_escape(&text[i..]))
            .unwrap_or(text.len());
        self.apply(&text[..cut]);
        let rest = text.as_bytes()[cut..].to_vec();
        let tail = self.pending[valid..].to_vec();
        self.pending = [rest, tail].concat();
    }

    fn apply(&mut self, text: &str) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => match chars.next() {
                    Some('[') => {
                        let mut params = String::new();
                        let mut fin = ' ';
                        for c in chars.by_ref() {
                            if ('@'..='~').contains(&c) {
                                fin = c;
                                break;
                            }
                            params.push(c);
                        }
                        let nums: Vec<usize> = params
                            .split(';')
                            .map(|p| p.trim_start_matches('?').parse().unwrap_or(0))
                            .collect();
                        match fin {
                            'H' | 'f' => {
                                self.row = nums.first().copied().unwrap_or(1).max(1) - 1;
                                self.col = nums.get(1).copied().unwrap_or(1).max(1) - 1;
                            }
                            'J' if nums.first() == Some(&2) => {
                                self.grid = vec![vec![' '; self.cols]; self.rows];
                            }
                            'K' if self.row < self.rows => {
                                for x in self.col..self.cols {
                                    self.grid[self.row][x] = ' ';
                                }
                            }
                            _ => {}
                        }
                    }
                    // OSC / DCS: skip to BEL or ST.
                    Some(']') | Some('P') => {
                        while let Some(c) = chars.next() {
                            if c == '\x07' {
                                break;
                            }
                            if c == '\x1b' && chars.peek() == Some(&'\\') {
                                chars.next();
                                break;
                            }
                        }
                    }
                    _ => {}
                },
                '\r' => self.col = 0,
                '\n' => self.row = (self.row + 1).min(self.rows - 1),
                c if c >= ' ' => {
                    if self.row < self.rows && self.col < self.cols {
                        self.grid[self.row][self.col] = c;
                    }
                    self.col += 1;
                }
                _ => {}
            }
        }
    }

    pub fn text(&self) -> String {
        self.grid
            .iter()
            .map(|r| r.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn complete_escape(s: &str) -> bool {
    let b = s.as_bytes();
    match b.get(1) {
        None => false,
        Some(b'[') => b[2..].iter().any(|c| (b'@'..=b'~').contains(c)),
        Some(b']') | Some(b'P') => s.contains('\x07') || s[1..].contains("\x1b\\"),
        Some(_) => true,
    }
}
