//! Signed notes and their keys, as golang.org/x/mod `sumdb/note` defines them: a note is UTF-8
//! text ending in a newline, a blank line, then signature lines `— <name> <base64(key hash ‖
//! signature)>`; a verifier key is `<name>+<8 hex digits of key hash>+<base64(0x01 ‖ ed25519
//! public key)>`, the key hash being the first four bytes (big-endian) of
//! SHA-256(`name` ‖ `\n` ‖ `0x01 ‖ key`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// Largest note accepted (go's limit).
const MAX_NOTE: usize = 1_000_000;
const ALG_ED25519: u8 = 1;
const SIG_PREFIX: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed verifier key `{0}` (want <name>+<hash>+<key>)")]
    BadKey(String),
    #[error("verifier key `{0}`: its hash does not match its name and key")]
    KeyHash(String),
    #[error("verifier key `{0}`: unknown algorithm (only ed25519 is known)")]
    KeyAlgorithm(String),
    #[error("malformed signed note")]
    Malformed,
    #[error("invalid signature by `{name}` (key {hash:08x}): the note was changed or forged")]
    BadSignature { name: String, hash: u32 },
    #[error("the note carries no signature by `{0}`'s key")]
    Unsigned(String),
}

/// A database's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub hash: u32,
    key: VerifyingKey,
    text: String,
}

impl VerifierKey {
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let bad = || NoteError::BadKey(text.to_string());
        let (name, rest) = text.split_once('+').ok_or_else(bad)?;
        let (hash16, key64) = rest.split_once('+').ok_or_else(bad)?;
        let hash = u32::from_str_radix(hash16, 16).map_err(|_| bad())?;
        let key = STANDARD.decode(key64).map_err(|_| bad())?;
        if hash16.len() != 8 || !is_valid_name(name) || key.is_empty() {
            return Err(bad());
        }
        if key_hash(name, &key) != hash {
            return Err(NoteError::KeyHash(text.to_string()));
        }
        if key[0] != ALG_ED25519 {
            return Err(NoteError::KeyAlgorithm(text.to_string()));
        }
        let raw: [u8; 32] = key[1..].try_into().map_err(|_| bad())?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| bad())?;
        Ok(VerifierKey {
            name: name.to_string(),
            hash,
            key,
            text: text.to_string(),
        })
    }

    /// The key as written (`<name>+<hash>+<key>`).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A note whose signature by a known key was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    pub text: String,
}

/// Open a signed note: check its form, and that it holds a valid signature by `key`. Signatures
/// by other keys are ignored, as the go command ignores them; a bad signature by `key` is an
/// error.
pub fn open(msg: &[u8], key: &VerifierKey) -> Result<VerifiedNote, NoteError> {
    if msg.len() > MAX_NOTE {
        return Err(NoteError::Malformed);
    }
    let msg = std::str::from_utf8(msg).map_err(|_| NoteError::Malformed)?;
    if msg.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed);
    }
    let split = msg.rfind("\n\n").ok_or(NoteError::Malformed)?;
    let (text, sigs) = (&msg[..=split], &msg[split + 2..]);
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed);
    }
    let mut verified = false;
    for (count, line) in sigs[..sigs.len() - 1].split('\n').enumerate() {
        if count >= 100 {
            return Err(NoteError::Malformed);
        }
        let line = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed)?;
        let (name, b64) = line.split_once(' ').unwrap_or((line, ""));
        let sig = STANDARD.decode(b64).map_err(|_| NoteError::Malformed)?;
        if !is_valid_name(name) || b64.is_empty() || sig.len() < 5 {
            return Err(NoteError::Malformed);
        }
        let hash = u32::from_be_bytes([sig[0], sig[1], sig[2], sig[3]]);
        if name != key.name || hash != key.hash {
            continue;
        }
        let ok = Signature::from_slice(&sig[4..])
            .is_ok_and(|s| key.key.verify(text.as_bytes(), &s).is_ok());
        if !ok {
            return Err(NoteError::BadSignature {
                name: name.to_string(),
                hash,
            });
        }
        verified = true;
    }
    if !verified {
        return Err(NoteError::Unsigned(key.name.clone()));
    }
    Ok(VerifiedNote {
        text: text.to_string(),
    })
}

/// A signing key, for databases gomodoff's tests make (gomodoff never signs anything else).
#[derive(Debug, Clone)]
pub struct NoteSigner {
    name: String,
    hash: u32,
    key: SigningKey,
}

impl NoteSigner {
    /// The key made from a 32-byte seed.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> NoteSigner {
        let key = SigningKey::from_bytes(&seed);
        let mut public = vec![ALG_ED25519];
        public.extend_from_slice(key.verifying_key().as_bytes());
        NoteSigner {
            name: name.to_string(),
            hash: key_hash(name, &public),
            key,
        }
    }

    /// The verifier key, `<name>+<hash>+<key>`: what `GOSUMDB` is set to.
    pub fn verifier_key(&self) -> String {
        let mut public = vec![ALG_ED25519];
        public.extend_from_slice(self.key.verifying_key().as_bytes());
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.hash,
            STANDARD.encode(public)
        )
    }

    /// `text` (ending in a newline) signed.
    pub fn sign(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut raw = self.hash.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            STANDARD.encode(raw)
        )
    }
}

fn key_hash(name: &str, key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(key);
    let sum = h.finalize();
    u32::from_be_bytes([sum[0], sum[1], sum[2], sum[3]])
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_DEFAULT: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

    #[test]
    fn go_default_key_parses() {
        let k = VerifierKey::parse(GO_DEFAULT).unwrap();
        assert_eq!(k.name, "sum.golang.org");
        assert_eq!(k.hash, 0x033de0ae);
        let mut wrong = GO_DEFAULT.to_string();
        wrong.replace_range(15..16, "1");
        assert!(VerifierKey::parse(&wrong).is_err());
        assert!(VerifierKey::parse("sum.golang.org").is_err());
    }

    #[test]
    fn signed_notes_open_and_forged_ones_do_not() {
        let s = NoteSigner::from_seed("db.example", [7; 32]);
        let key = VerifierKey::parse(&s.verifier_key()).unwrap();
        let note = s.sign("go.sum database tree\n3\nAAAA\n");
        assert_eq!(
            open(note.as_bytes(), &key).unwrap().text,
            "go.sum database tree\n3\nAAAA\n"
        );
        let forged = note.replace("\n3\n", "\n4\n");
        assert!(matches!(
            open(forged.as_bytes(), &key),
            Err(NoteError::BadSignature { .. })
        ));
        let other = NoteSigner::from_seed("db.example", [8; 32]).sign("go.sum database tree\n3\n");
        assert_eq!(
            open(other.as_bytes(), &key),
            Err(NoteError::Unsigned("db.example".into()))
        );
        assert_eq!(open(b"no signature\n", &key), Err(NoteError::Malformed));
    }
}
