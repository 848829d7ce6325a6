//! The header reader: a port of the import reader shared by `imports.ReadImports` and
//! `go/build.readGoInfo`, which reads the package clause and the import declarations.

// ---------------------------------------------------------------------------------------------
// The header reader: a port of the import reader shared by `imports.ReadImports` and
// `go/build.readGoInfo`. It reads `package name` and the import declarations, treating
// semicolons as spaces and skipping comments, and stops at the first other token.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    Ok,
    Syntax,
    Nul,
}

pub(super) struct Header<'a> {
    pub(super) package: String,
    /// Import paths exactly as written, quotes included.
    pub(super) imports: Vec<Vec<u8>>,
    /// The text constraints are read from.
    pub(super) constraint_text: &'a [u8],
    pub(super) stop: Stop,
    /// The reader stopped before the end of `src` at something that decides the header (a
    /// token after the imports, or a NUL): more bytes after `src` would change nothing.
    pub(super) complete: bool,
}

struct ImportReader<'a> {
    src: &'a [u8],
    pos: usize,
    peek: u8,
    err: Option<Stop>,
    eof: bool,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

impl<'a> ImportReader<'a> {
    fn syntax_error(&mut self) {
        if self.err.is_none() {
            self.err = Some(Stop::Syntax);
        }
    }

    fn read_byte(&mut self) -> u8 {
        match self.src.get(self.pos) {
            Some(&c) => {
                self.pos += 1;
                if c == 0 {
                    if self.err.is_none() {
                        self.err = Some(Stop::Nul);
                    }
                    return 0;
                }
                c
            }
            None => {
                self.eof = true;
                0
            }
        }
    }

    fn peek_byte(&mut self, skip_space: bool) -> u8 {
        if self.err.is_some() {
            return 0;
        }
        let mut c = self.peek;
        if c == 0 {
            c = self.read_byte();
        }
        while self.err.is_none() && !self.eof {
            if skip_space {
                match c {
                    b' ' | b'\x0c' | b'\t' | b'\r' | b'\n' | b';' => {
                        c = self.read_byte();
                        continue;
                    }
                    b'/' => {
                        c = self.read_byte();
                        if c == b'/' {
                            while c != b'\n' && self.err.is_none() && !self.eof {
                                c = self.read_byte();
                            }
                        } else if c == b'*' {
                            let mut c1 = 0u8;
                            while (c != b'*' || c1 != b'/') && self.err.is_none() {
                                if self.eof {
                                    self.syntax_error();
                                }
                                c = c1;
                                c1 = self.read_byte();
                            }
                        } else {
                            self.syntax_error();
                        }
                        c = self.read_byte();
                        continue;
                    }
                    _ => {}
                }
            }
            break;
        }
        self.peek = c;
        c
    }

    fn next_byte(&mut self, skip_space: bool) -> u8 {
        let c = self.peek_byte(skip_space);
        self.peek = 0;
        c
    }

    fn read_keyword(&mut self, keyword: &str) {
        self.peek_byte(true);
        for &k in keyword.as_bytes() {
            if self.next_byte(false) != k {
                self.syntax_error();
                return;
            }
        }
        if is_ident(self.peek_byte(false)) {
            self.syntax_error();
        }
    }

    fn read_ident(&mut self) -> Vec<u8> {
        let c = self.peek_byte(true);
        if !is_ident(c) {
            self.syntax_error();
            return Vec::new();
        }
        let mut ident = Vec::new();
        while is_ident(self.peek_byte(false)) {
            ident.push(self.peek);
            self.peek = 0;
        }
        ident
    }

    fn read_string(&mut self, save: &mut Vec<Vec<u8>>) {
        match self.next_byte(true) {
            b'`' => {
                let start = self.pos - 1;
                while self.err.is_none() {
                    if self.next_byte(false) == b'`' {
                        save.push(self.src[start..self.pos].to_vec());
                        break;
                    }
                    if self.eof {
                        self.syntax_error();
                    }
                }
            }
            b'"' => {
                let start = self.pos - 1;
                while self.err.is_none() {
                    let c = self.next_byte(false);
                    if c == b'"' {
                        save.push(self.src[start..self.pos].to_vec());
                        break;
                    }
                    if self.eof || c == b'\n' {
                        self.syntax_error();
                    }
                    if c == b'\\' {
                        self.next_byte(false);
                    }
                }
            }
            _ => self.syntax_error(),
        }
    }

    fn read_import(&mut self, save: &mut Vec<Vec<u8>>) {
        let c = self.peek_byte(true);
        if c == b'.' {
            self.peek = 0;
        } else if is_ident(c) {
            self.read_ident();
        }
        self.read_string(save);
    }
}

pub(super) fn read_header(src: &[u8]) -> Header<'_> {
    let mut r = ImportReader {
        src,
        pos: 0,
        peek: 0,
        err: None,
        eof: false,
    };
    let mut imports = Vec::new();
    r.read_keyword("package");
    let package = r.read_ident();
    let package_ok = r.err.is_none();
    while r.peek_byte(true) == b'i' {
        r.read_keyword("import");
        if r.peek_byte(true) == b'(' {
            r.next_byte(false);
            while r.peek_byte(true) != b')' && r.err.is_none() {
                r.read_import(&mut imports);
            }
            r.next_byte(false);
        } else {
            r.read_import(&mut imports);
        }
    }
    let package = if package_ok {
        String::from_utf8_lossy(&package).into_owned()
    } else {
        String::new()
    };
    match r.err {
        None if !r.eof => Header {
            package,
            imports,
            constraint_text: &src[..r.pos - 1],
            stop: Stop::Ok,
            complete: true,
        },
        None => Header {
            package,
            imports,
            constraint_text: src,
            stop: Stop::Ok,
            complete: false,
        },
        Some(Stop::Syntax) => {
            // `ReadImports` consumes the rest of the file, and fails on a NUL found there.
            let stop = if src[r.pos..].contains(&0) {
                Stop::Nul
            } else {
                Stop::Syntax
            };
            Header {
                package,
                imports,
                constraint_text: src,
                stop,
                complete: false,
            }
        }
        Some(stop) => Header {
            package,
            imports,
            constraint_text: &src[..r.pos],
            stop,
            complete: true,
        },
    }
}
