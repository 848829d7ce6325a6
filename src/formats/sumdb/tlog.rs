//! The checksum database's transparent log, as golang.org/x/mod `sumdb/tlog` defines it: RFC 6962
//! hashing (a record's hash is SHA-256 of `0x00‖data`, an inner node's of `0x01‖left‖right`), the
//! order hashes are stored in ("stored hash index"), tiles of height 8 and their paths, and the
//! authenticated read of a record's hash against a signed tree head.
//!
//! [`read_hashes`] asks for exactly the tiles the go command's `TileHashReader` asks for and
//! authenticates them the same way: the tiles that cover the tree's right edge must hash to the
//! tree head, and every other tile to its entry in its parent tile. So the tiles a tree carries
//! for a record are exactly the ones go will fetch to check it offline, and a tree that passes
//! here passes in go.

use sha2::{Digest as _, Sha256};

/// A hash in the log.
pub type Hash = [u8; 32];

/// Bytes per hash in a tile.
pub const HASH_SIZE: usize = 32;

/// The tile height the go checksum database uses (and the go command asks for).
pub const TILE_HEIGHT: u32 = 8;

/// Why a hash could not be read or authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlogError {
    #[error("tile `{0}` is missing")]
    MissingTile(String),
    #[error("tile `{path}` holds {got} bytes, not the {want} its width needs (truncated?)")]
    TileSize {
        path: String,
        got: usize,
        want: usize,
    },
    #[error(
        "the tiles at the tree's right edge ({tiles}) do not hash to the signed tree head of size {size}: one of them was changed, or the head"
    )]
    TreeMismatch { size: i64, tiles: String },
    #[error("tile `{0}` does not match its hash in its parent tile")]
    TileMismatch(String),
    #[error("record {id} is not in the signed tree of size {size}")]
    NotInTree { id: i64, size: i64 },
    #[error("the older tree of size {older} is larger than the newer of size {newer}")]
    Shrunk { older: i64, newer: i64 },
    #[error("tile `{0}` does not hold the hashes the signed tree head proves for its place")]
    TileContent(String),
    #[error("tile `{path}` reaches past the signed tree of size {size}")]
    TileBeyond { path: String, size: i64 },
}

/// The hash of a record (a leaf).
pub fn record_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of the empty tree.
pub fn empty_hash() -> Hash {
    Sha256::digest([]).into()
}

/// Where the `n`th hash of `level` is stored: level L's nth hash comes right after level L+1's
/// (2n+1)th, and level 0's nth hash is at n + n/2 + n/4 + ….
pub fn stored_hash_index(level: u32, n: i64) -> i64 {
    let mut n = n;
    for _ in 0..level {
        n = 2 * n + 1;
    }
    let mut i = 0;
    let mut m = n;
    while m > 0 {
        i += m;
        m >>= 1;
    }
    i + i64::from(level)
}

/// The inverse of [`stored_hash_index`]: `(level, n)`.
pub fn split_stored_hash_index(index: i64) -> (u32, i64) {
    let mut n = index / 2;
    let mut index_n = stored_hash_index(0, n);
    loop {
        // Record n+1 adds one hash for itself and one per level it completes.
        let next = index_n + 1 + i64::from((n + 1).trailing_zeros());
        if next > index {
            break;
        }
        n += 1;
        index_n = next;
    }
    let level = u32::try_from(index - index_n).expect("a level is below 64 because n < 2^63");
    (level, n >> level)
}

/// The stored hashes the hash of the tree of `n` records is made from, largest subtree first.
pub fn tree_hash_indexes(n: i64) -> Vec<i64> {
    subtree_indexes(0, n)
}

fn subtree_indexes(mut lo: i64, hi: i64) -> Vec<i64> {
    let mut need = Vec::new();
    while lo < hi {
        let (k, level) = maxpow2(hi - lo + 1);
        need.push(stored_hash_index(level, lo >> level));
        lo += k;
    }
    need
}

/// The largest power of two below `n` (and its log).
fn maxpow2(n: i64) -> (i64, u32) {
    let mut l = 0;
    while (1i64 << (l + 1)) < n {
        l += 1;
    }
    (1 << l, l)
}

/// The hash of a tree made of `hashes` (the stored hashes of [`tree_hash_indexes`], in order).
fn combine_tree(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let Some(last) = iter.next() else {
        return empty_hash();
    };
    iter.fold(*last, |acc, h| node_hash(h, &acc))
}

/// One tile: hashes of level `l * height` numbered `n * 2^height …`, `w` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tile {
    pub height: u32,
    pub level: u32,
    pub n: i64,
    pub width: u32,
}

impl Tile {
    /// Whether the tile holds all `2^height` hashes.
    pub fn is_full(&self) -> bool {
        self.width == 1 << self.height
    }

    /// The same tile with every hash.
    pub fn full(&self) -> Tile {
        Tile {
            width: 1 << self.height,
            ..*self
        }
    }

    /// The bytes the tile holds.
    pub fn byte_len(&self) -> usize {
        self.width as usize * HASH_SIZE
    }

    /// `tile/H/L/NNN[.p/W]`, with `N` split into groups of three digits, all but the last
    /// prefixed with `x` (`1234067` is `x001/x234/067`).
    pub fn path(&self) -> String {
        let mut n = self.n;
        let mut digits = format!("{:03}", n % 1000);
        while n >= 1000 {
            n /= 1000;
            digits = format!("x{:03}/{digits}", n % 1000);
        }
        let partial = if self.is_full() {
            String::new()
        } else {
            format!(".p/{}", self.width)
        };
        format!("tile/{}/{}/{digits}{partial}", self.height, self.level)
    }

    /// The tile that holds stored hash `index`, as wide as needed to reach it, and the byte range
    /// of the hashes (a whole subtree of the tile's level) that make that hash.
    fn for_index(height: u32, index: i64) -> (Tile, std::ops::Range<usize>) {
        let (level, n) = split_stored_hash_index(index);
        let tile_level = level / height;
        let within = level - tile_level * height;
        let tile_n = (n << within) >> height;
        let n_in_tile = n - ((tile_n << height) >> within);
        let width = (n_in_tile + 1) << within;
        let start = usize::try_from(n_in_tile << within).expect("inside a tile") * HASH_SIZE;
        let end = usize::try_from(width).expect("inside a tile") * HASH_SIZE;
        (
            Tile {
                height,
                level: tile_level,
                n: tile_n,
                width: u32::try_from(width).expect("a tile width is at most 2^height"),
            },
            start..end,
        )
    }

    /// The `k`th ancestor of the tile in a tree of `size` records, as wide as that tree makes it;
    /// `None` when the tree has no hash in it.
    fn parent(&self, k: u32, size: i64) -> Option<Tile> {
        let mut t = *self;
        t.level += k;
        t.n >>= k * t.height;
        t.width = 1 << t.height;
        let max = size >> (t.level * t.height);
        if (t.n << t.height) + i64::from(t.width) >= max {
            if t.n << t.height >= max {
                return None;
            }
            t.width = u32::try_from(max - (t.n << t.height)).expect("below 2^height");
        }
        Some(t)
    }
}

/// Hash of the hashes `data` holds (a power-of-two count), as one subtree.
fn tile_subtree_hash(data: &[u8]) -> Hash {
    if data.len() == HASH_SIZE {
        let mut h = [0u8; 32];
        h.copy_from_slice(data);
        return h;
    }
    let half = data.len() / 2;
    node_hash(
        &tile_subtree_hash(&data[..half]),
        &tile_subtree_hash(&data[half..]),
    )
}

fn hash_from_tile(tile: &Tile, data: &[u8], index: i64) -> Option<Hash> {
    let (t, range) = Tile::for_index(tile.height, index);
    (t.level == tile.level && t.n == tile.n && t.width <= tile.width && range.end <= data.len())
        .then(|| tile_subtree_hash(&data[range]))
}

/// A signed tree head's content: the number of records and the root hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tree {
    pub size: i64,
    pub hash: Hash,
}

/// The tiles [`read_hashes`] reads for `indexes` in `tree`, in the order it authenticates them
/// (the go command's order: the right edge first, then each index's tile below its parents).
pub fn tiles_for(tree: &Tree, indexes: &[i64]) -> Result<Vec<Tile>, TlogError> {
    Ok(plan(tree, indexes)?.tiles)
}

struct Plan {
    tiles: Vec<Tile>,
    edge: Vec<(i64, usize)>,
    index_tile: Vec<usize>,
}

fn plan(tree: &Tree, indexes: &[i64]) -> Result<Plan, TlogError> {
    let height = TILE_HEIGHT;
    let mut tiles: Vec<Tile> = Vec::new();
    let position = |tiles: &[Tile], t: &Tile| tiles.iter().position(|x| x == t);
    let mut edge = Vec::new();
    for x in tree_hash_indexes(tree.size) {
        let (t, _) = Tile::for_index(height, x);
        let t = t
            .parent(0, tree.size)
            .expect("a hash of the tree is in a tile");
        let j = match position(&tiles, &t) {
            Some(j) => j,
            None => {
                tiles.push(t);
                tiles.len() - 1
            }
        };
        edge.push((x, j));
    }
    let mut index_tile = Vec::new();
    for &x in indexes {
        if x >= stored_hash_index(0, tree.size) {
            let (_, n) = split_stored_hash_index(x);
            return Err(TlogError::NotInTree {
                id: n,
                size: tree.size,
            });
        }
        let (t, _) = Tile::for_index(height, x);
        // Walk up to an ancestor already planned, then back down.
        let mut k = 0;
        let found = loop {
            let p = t
                .parent(k, tree.size)
                .expect("an ancestor of a tile in the tree");
            if let Some(j) = position(&tiles, &p) {
                break j;
            }
            k += 1;
        };
        let mut own = found;
        for kk in (0..k).rev() {
            let p = t
                .parent(kk, tree.size)
                .expect("an ancestor of a tile in the tree");
            tiles.push(p);
            own = tiles.len() - 1;
        }
        index_tile.push(own);
    }
    Ok(Plan {
        tiles,
        edge,
        index_tile,
    })
}

/// Read and authenticate the stored hashes `indexes` of `tree`, getting tiles from `read`
/// (`None`: not there). A partial tile may be served by the full tile of the same place, as the
/// go command accepts. Returns the hashes and the tiles read.
pub fn read_hashes(
    tree: &Tree,
    indexes: &[i64],
    read: &mut dyn FnMut(&Tile) -> Option<Vec<u8>>,
) -> Result<Vec<Hash>, TlogError> {
    let plan = plan(tree, indexes)?;
    let mut data = Vec::with_capacity(plan.tiles.len());
    for t in &plan.tiles {
        let bytes = match read(t) {
            Some(b) => b,
            None if !t.is_full() => match read(&t.full()) {
                Some(b) if b.len() == t.full().byte_len() => b[..t.byte_len()].to_vec(),
                Some(b) => {
                    return Err(TlogError::TileSize {
                        path: t.full().path(),
                        got: b.len(),
                        want: t.full().byte_len(),
                    });
                }
                None => return Err(TlogError::MissingTile(t.path())),
            },
            None => return Err(TlogError::MissingTile(t.path())),
        };
        if bytes.len() != t.byte_len() {
            return Err(TlogError::TileSize {
                path: t.path(),
                got: bytes.len(),
                want: t.byte_len(),
            });
        }
        data.push(bytes);
    }
    if tree.size == 0 {
        if tree.hash != empty_hash() {
            return Err(TlogError::TreeMismatch {
                size: 0,
                tiles: "none".into(),
            });
        }
    } else {
        let mut edge_hashes = Vec::with_capacity(plan.edge.len());
        for &(x, j) in &plan.edge {
            let h = hash_from_tile(&plan.tiles[j], &data[j], x)
                .ok_or_else(|| TlogError::TileMismatch(plan.tiles[j].path()))?;
            edge_hashes.push(h);
        }
        if combine_tree(&edge_hashes) != tree.hash {
            let mut tiles: Vec<String> = Vec::new();
            for &(_, j) in &plan.edge {
                let name = format!("`{}`", plan.tiles[j].path());
                if !tiles.contains(&name) {
                    tiles.push(name);
                }
            }
            return Err(TlogError::TreeMismatch {
                size: tree.size,
                tiles: tiles.join(", "),
            });
        }
    }
    let first_other = plan.edge.iter().map(|&(_, j)| j + 1).max().unwrap_or(0);
    for i in first_other..plan.tiles.len() {
        let t = &plan.tiles[i];
        let p = t
            .parent(1, tree.size)
            .ok_or_else(|| TlogError::TileMismatch(t.path()))?;
        let j = plan
            .tiles
            .iter()
            .position(|x| *x == p)
            .ok_or_else(|| TlogError::TileMismatch(t.path()))?;
        let want = hash_from_tile(&p, &data[j], stored_hash_index(p.level * p.height, t.n))
            .ok_or_else(|| TlogError::TileMismatch(t.path()))?;
        if want != tile_subtree_hash(&data[i]) {
            return Err(TlogError::TileMismatch(t.path()));
        }
    }
    indexes
        .iter()
        .zip(&plan.index_tile)
        .map(|(&x, &j)| {
            hash_from_tile(&plan.tiles[j], &data[j], x)
                .ok_or_else(|| TlogError::TileMismatch(plan.tiles[j].path()))
        })
        .collect()
}

/// Prove that record `id` with text `data` is in `tree`.
pub fn prove_record(
    tree: &Tree,
    id: i64,
    data: &[u8],
    read: &mut dyn FnMut(&Tile) -> Option<Vec<u8>>,
) -> Result<(), RecordError> {
    if id < 0 || id >= tree.size {
        return Err(RecordError::Tlog(TlogError::NotInTree {
            id,
            size: tree.size,
        }));
    }
    let got = read_hashes(tree, &[stored_hash_index(0, id)], read)?;
    if got[0] != record_hash(data) {
        return Err(RecordError::NotAuthentic(id));
    }
    Ok(())
}

/// Prove that `newer` extends `older` (the log only grows): the hash of its first `older.size`
/// records, read through tiles authenticated against `newer`, is `older.hash`.
pub fn prove_extends(
    older: &Tree,
    newer: &Tree,
    read: &mut dyn FnMut(&Tile) -> Option<Vec<u8>>,
) -> Result<(), RecordError> {
    if older.size > newer.size {
        return Err(RecordError::Tlog(TlogError::Shrunk {
            older: older.size,
            newer: newer.size,
        }));
    }
    let hashes = read_hashes(newer, &tree_hash_indexes(older.size), read)?;
    if combine_tree(&hashes) != older.hash {
        return Err(RecordError::Fork {
            older: older.size,
            newer: newer.size,
        });
    }
    Ok(())
}

/// Check a tile a tree carries besides those its proofs read (one kept for readers of an earlier
/// head): `data` must be the hashes `tree` holds at the tile's place, read through other tiles
/// from `read` and authenticated against `tree`. `Ok(false)` when `read` lacks a tile needed to
/// tell.
pub fn check_tile(
    tree: &Tree,
    tile: &Tile,
    data: &[u8],
    read: &mut dyn FnMut(&Tile) -> Option<Vec<u8>>,
) -> Result<bool, TlogError> {
    if data.len() != tile.byte_len() {
        return Err(TlogError::TileSize {
            path: tile.path(),
            got: data.len(),
            want: tile.byte_len(),
        });
    }
    let level = tile.level * tile.height;
    let first = tile.n << tile.height;
    let end = first + i64::from(tile.width);
    if end > tree.size >> level {
        return Err(TlogError::TileBeyond {
            path: tile.path(),
            size: tree.size,
        });
    }
    let indexes: Vec<i64> = (first..end).map(|i| stored_hash_index(level, i)).collect();
    match read_hashes(tree, &indexes, read) {
        Ok(hashes) => {
            if hashes.concat() == data {
                Ok(true)
            } else {
                Err(TlogError::TileContent(tile.path()))
            }
        }
        Err(TlogError::MissingTile(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Why a record or a tree could not be proved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Tlog(#[from] TlogError),
    #[error("record {0}'s text does not hash to the record the signed tree holds at that place")]
    NotAuthentic(i64),
    #[error(
        "the tree of size {newer} does not extend the tree of size {older}: the database forked"
    )]
    Fork { older: i64, newer: i64 },
}

/// Builds a log in memory: the stored hashes of every record, tiles and the tree hash. The tests'
/// checksum database is made with it; gomodoff itself only reads logs.
#[derive(Debug, Clone, Default)]
pub struct LogBuilder {
    stored: Vec<Hash>,
    size: i64,
}

impl LogBuilder {
    pub fn new() -> LogBuilder {
        LogBuilder::default()
    }

    /// Append a record; returns its id.
    pub fn push(&mut self, data: &[u8]) -> i64 {
        let id = self.size;
        let mut h = record_hash(data);
        self.stored.push(h);
        // Each completed subtree adds its hash right after.
        let mut level = 0;
        while (id >> level) & 1 == 1 {
            let left_index = stored_hash_index(level, (id >> level) - 1);
            let left = self.stored[usize::try_from(left_index).expect("in the log")];
            h = node_hash(&left, &h);
            self.stored.push(h);
            level += 1;
        }
        self.size += 1;
        id
    }

    /// The tree of every record pushed so far.
    pub fn tree(&self) -> Tree {
        let hashes: Vec<Hash> = tree_hash_indexes(self.size)
            .iter()
            .map(|&x| self.stored[usize::try_from(x).expect("in the log")])
            .collect();
        Tree {
            size: self.size,
            hash: combine_tree(&hashes),
        }
    }

    /// The bytes of `tile`, or `None` when the log does not reach its last hash yet.
    pub fn tile_data(&self, tile: &Tile) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(tile.byte_len());
        let level = tile.level * tile.height;
        for i in 0..i64::from(tile.width) {
            let x = stored_hash_index(level, (tile.n << tile.height) + i);
            out.extend_from_slice(self.stored.get(usize::try_from(x).ok()?)?);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_hash_index_round_trips() {
        for index in 0..5000 {
            let (level, n) = split_stored_hash_index(index);
            assert_eq!(stored_hash_index(level, n), index, "{index}");
        }
        assert_eq!(stored_hash_index(0, 0), 0);
        assert_eq!(stored_hash_index(0, 1), 1);
        assert_eq!(stored_hash_index(1, 0), 2);
        assert_eq!(stored_hash_index(0, 2), 3);
    }

    #[test]
    fn tile_paths() {
        let t = |level, n, width| Tile {
            height: 8,
            level,
            n,
            width,
        };
        assert_eq!(t(0, 0, 256).path(), "tile/8/0/000");
        assert_eq!(t(1, 1234067, 256).path(), "tile/8/1/x001/x234/067");
        assert_eq!(t(0, 5, 17).path(), "tile/8/0/005.p/17");
        assert_eq!(t(2, 1000, 1).path(), "tile/8/2/x001/000.p/1");
    }

    fn log(n: usize) -> LogBuilder {
        let mut b = LogBuilder::new();
        for i in 0..n {
            b.push(format!("record {i}\n").as_bytes());
        }
        b
    }

    fn reader(b: &LogBuilder) -> impl FnMut(&Tile) -> Option<Vec<u8>> + '_ {
        |t: &Tile| b.tile_data(t)
    }

    #[test]
    fn every_record_is_proved_in_trees_of_many_sizes() {
        for size in [1usize, 2, 3, 7, 255, 256, 257, 600, 70_000] {
            let b = log(size);
            let tree = b.tree();
            for id in [0, size / 2, size - 1] {
                let data = format!("record {id}\n");
                let id = i64::try_from(id).unwrap();
                prove_record(&tree, id, data.as_bytes(), &mut reader(&b)).unwrap();
                assert_eq!(
                    prove_record(&tree, id, b"other\n", &mut reader(&b)),
                    Err(RecordError::NotAuthentic(id))
                );
            }
        }
    }

    #[test]
    fn a_grown_tree_extends_its_past_and_not_another() {
        let big = log(70_000);
        for older in [0usize, 1, 255, 256, 1000, 65_536, 70_000] {
            prove_extends(&log(older).tree(), &big.tree(), &mut reader(&big)).unwrap();
        }
        let mut other = log(999);
        other.push(b"forged\n");
        assert_eq!(
            prove_extends(&other.tree(), &big.tree(), &mut reader(&big)),
            Err(RecordError::Fork {
                older: 1000,
                newer: 70_000
            })
        );
    }

    #[test]
    fn a_tile_kept_for_an_earlier_head_is_checked_against_the_newer() {
        let older = log(300);
        let newer = log(600);
        let tree = newer.tree();
        // The earlier head's partial tile of records 256..299, checked through the newer tiles.
        let kept = Tile {
            height: TILE_HEIGHT,
            level: 0,
            n: 1,
            width: 44,
        };
        let data = older.tile_data(&kept).unwrap();
        assert_eq!(
            check_tile(&tree, &kept, &data, &mut reader(&newer)),
            Ok(true)
        );
        let mut changed = data.clone();
        changed[100] ^= 1;
        assert_eq!(
            check_tile(&tree, &kept, &changed, &mut reader(&newer)),
            Err(TlogError::TileContent(kept.path()))
        );
        assert!(matches!(
            check_tile(&tree, &kept, &data[1..], &mut reader(&newer)),
            Err(TlogError::TileSize { .. })
        ));
        let beyond = Tile { n: 3, ..kept };
        assert!(matches!(
            check_tile(
                &tree,
                &beyond,
                &vec![0; beyond.byte_len()],
                &mut reader(&newer)
            ),
            Err(TlogError::TileBeyond { .. })
        ));
        // Without the newer tiles nothing can be told.
        assert_eq!(
            check_tile(&tree, &kept, &data, &mut |_: &Tile| None),
            Ok(false)
        );
    }

    #[test]
    fn truncated_forged_or_missing_tiles_are_refused() {
        let b = log(600);
        let tree = b.tree();
        let mut truncated = |t: &Tile| {
            let mut d = b.tile_data(t)?;
            d.pop();
            Some(d)
        };
        assert!(matches!(
            prove_record(&tree, 3, b"record 3\n", &mut truncated),
            Err(RecordError::Tlog(TlogError::TileSize { .. }))
        ));
        let mut flipped = |t: &Tile| {
            let mut d = b.tile_data(t)?;
            if t.level == 0 && t.n == 0 {
                d[40] ^= 1;
            }
            Some(d)
        };
        assert!(
            prove_record(&tree, 1, b"record 1\n", &mut flipped).is_err(),
            "a changed tile must not prove"
        );
        let mut none = |_: &Tile| None;
        assert!(matches!(
            prove_record(&tree, 1, b"record 1\n", &mut none),
            Err(RecordError::Tlog(TlogError::MissingTile(_)))
        ));
        assert!(matches!(
            prove_record(&tree, 600, b"x\n", &mut reader(&b)),
            Err(RecordError::Tlog(TlogError::NotInTree { .. }))
        ));
    }

    #[test]
    fn a_partial_tile_is_served_by_its_full_tile() {
        let b = log(600);
        let small = log(300).tree();
        // Level 0 only as full tiles of the bigger log: the partial ones of size 300 are prefixes.
        let mut full_only = |t: &Tile| {
            if t.level == 0 && !t.is_full() {
                None
            } else {
                b.tile_data(t)
            }
        };
        prove_record(&small, 299, b"record 299\n", &mut full_only).unwrap();
    }

    /// A mirror tree keeps every tile it ever carried, and each run carries the tiles proving its
    /// previous head extends the new one. Those consecutive proofs' tiles (a partial tile served
    /// by the full one, as go asks) prove every earlier head against every later one, so a reader
    /// that trusted any head the tree ever published can move on; the last proof alone cannot.
    #[test]
    fn consecutive_consistency_tiles_prove_every_earlier_head() {
        let mut seed: u64 = 12345;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % m
        };
        let tree = |n: i64| Tree {
            size: n,
            hash: [0; 32],
        };
        let (mut missing_with_all, mut missing_with_last) = (0, 0);
        for _ in 0..2000 {
            let mut sizes = vec![1 + next(1000) as i64];
            for _ in 0..6 {
                let last = *sizes.last().unwrap();
                let step = match next(4) {
                    0 => 1 + next(10) as i64,
                    1 => 1 + next(300) as i64,
                    2 => 1 + next(70_000) as i64,
                    // Exactly to the next tile boundary.
                    _ => 256 - last % 256,
                };
                sizes.push(last + step);
            }
            let mut all = std::collections::BTreeSet::new();
            for k in 1..sizes.len() {
                let last: std::collections::BTreeSet<Tile> =
                    tiles_for(&tree(sizes[k]), &tree_hash_indexes(sizes[k - 1]))
                        .unwrap()
                        .into_iter()
                        .collect();
                all.extend(last.iter().copied());
                for &earlier in &sizes[..k] {
                    for t in tiles_for(&tree(sizes[k]), &tree_hash_indexes(earlier)).unwrap() {
                        let has = |set: &std::collections::BTreeSet<Tile>| {
                            set.contains(&t) || set.contains(&t.full())
                        };
                        missing_with_all += usize::from(!has(&all));
                        missing_with_last += usize::from(!has(&last));
                    }
                }
            }
        }
        assert_eq!(missing_with_all, 0);
        assert!(missing_with_last > 0, "the check cannot fail");
    }
}
