//! Unique listeners with HyperLogLog: 16,384 registers (precision 14), a standard error
//! of 1.04/√16384 ≈ 0.8 % for large counts (so 2 % is 2.5 standard errors), and linear
//! counting for small ones. Small counts are exact unless two listeners share a register
//! (for 50 listeners that happens in about one sketch in thirteen and makes the count 49):
//! at most 2 % off like the large ones. Registers live in the daily counter documents
//! as sparse fields `hll.r<index>` updated with `$max`, so merging days (or re-applying
//! a batch) is a per-register maximum — idempotent and order-free. Once a day is over,
//! a reader packs its registers into one binary field (`Sketch::pack`), which reads far
//! faster on SecantusDB; later writes add sparse fields beside it and readers merge both.

use uuid::Uuid;

pub const PRECISION: u32 = 14;
pub const REGISTERS: usize = 1 << PRECISION;

/// A stable 64-bit hash of a user id (the same in every process and release: SplitMix64
/// over both halves).
fn hash(id: Uuid) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let v = id.as_u128();
    mix(mix(v as u64) ^ (v >> 64) as u64)
}

/// The register a user lands in and the rank (position of the first 1-bit, 1-based) it
/// offers that register.
pub fn register(id: Uuid) -> (usize, u8) {
    let h = hash(id);
    let idx = (h >> (64 - PRECISION)) as usize;
    let rest = h << PRECISION;
    let rank = (rest.leading_zeros().min(64 - PRECISION) + 1) as u8;
    (idx, rank)
}

/// The field name of a register inside a counter document's `hll` map.
pub fn field(idx: usize) -> String {
    format!("r{idx}")
}

/// Registers merged from any number of sketches (dense; empty until the first register).
#[derive(Clone, Debug, Default)]
pub struct Sketch {
    regs: Vec<u8>,
}

impl Sketch {
    pub fn add(&mut self, id: Uuid) {
        let (i, r) = register(id);
        self.merge_register(i, r);
    }

    pub fn merge_register(&mut self, idx: usize, rank: u8) {
        if idx < REGISTERS && rank > 0 {
            if self.regs.is_empty() {
                self.regs = vec![0; REGISTERS];
            }
            self.regs[idx] = self.regs[idx].max(rank);
        }
    }

    /// Merges a stored `hll` map (`r<index>` → rank).
    pub fn merge_fields<'a>(&mut self, fields: impl IntoIterator<Item = (&'a str, i64)>) {
        for (k, v) in fields {
            if let Some(i) = k.strip_prefix('r').and_then(|i| i.parse().ok()) {
                self.merge_register(i, v.clamp(0, 64) as u8);
            }
        }
    }

    /// The registers set, packed: three bytes each (index big-endian, rank), by index.
    /// Past days' counter documents keep their registers this way (see
    /// `ListeningRepo::seal`): one binary field instead of thousands of small ones.
    pub fn pack(&self) -> Vec<u8> {
        let mut out = vec![];
        for (i, r) in self.regs.iter().enumerate().filter(|(_, r)| **r > 0) {
            out.extend_from_slice(&(i as u16).to_be_bytes());
            out.push(*r);
        }
        out
    }

    /// Merges registers packed by [`Sketch::pack`] (a trailing partial entry is ignored).
    pub fn merge_packed(&mut self, packed: &[u8]) {
        for e in packed.chunks_exact(3) {
            self.merge_register(usize::from(u16::from_be_bytes([e[0], e[1]])), e[2].min(64));
        }
    }

    /// The estimated number of distinct ids.
    pub fn estimate(&self) -> u64 {
        if self.regs.is_empty() {
            return 0;
        }
        let m = REGISTERS as f64;
        let zeros = self.regs.iter().filter(|r| **r == 0).count();
        let sum: f64 = self
            .regs
            .iter()
            .map(|r| 2f64.powi(-i32::from(*r)))
            .sum::<f64>();
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let raw = alpha * m * m / sum;
        let e = if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        e.round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixed ids, so the tests are repeatable (random ones would sometimes collide in a
    /// register or miss 2 %, as HyperLogLog promises).
    fn ids(n: usize, seed: u128) -> Vec<Uuid> {
        (0..n as u128)
            .map(|i| {
                Uuid::from_u128((i + seed).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835))
            })
            .collect()
    }

    #[test]
    fn small_counts_are_within_one_listener_or_two_percent_and_duplicates_count_once() {
        assert_eq!(Sketch::default().estimate(), 0);
        for n in [1usize, 2, 5, 10, 50, 100, 300, 600] {
            for seed in 0..20u128 {
                let ids = ids(n, seed * 1_000_003);
                let (mut once, mut twice) = (Sketch::default(), Sketch::default());
                for id in &ids {
                    once.add(*id);
                }
                for id in ids.iter().chain(ids.iter()).rev() {
                    twice.add(*id);
                }
                assert_eq!(
                    once.estimate(),
                    twice.estimate(),
                    "n={n}: duplicates counted"
                );
                let off = once.estimate().abs_diff(n as u64) as f64;
                assert!(
                    off <= (n as f64 * 0.02).max(1.0),
                    "n={n} seed={seed}: estimate {}",
                    once.estimate()
                );
            }
        }
        // Very small counts are exact.
        for n in 1..=5 {
            let mut s = Sketch::default();
            ids(n, 7).iter().for_each(|id| s.add(*id));
            assert_eq!(s.estimate(), n as u64);
        }
    }

    #[test]
    fn large_counts_are_within_two_percent_and_merge_like_a_union() {
        for n in [1_000usize, 20_000, 200_000] {
            let ids = ids(n, 0);
            // Two overlapping halves merged = the whole.
            let (mut a, mut b) = (Sketch::default(), Sketch::default());
            for (i, id) in ids.iter().enumerate() {
                if i < n * 2 / 3 {
                    a.add(*id);
                }
                if i >= n / 3 {
                    b.add(*id);
                }
            }
            // b as stored sparse fields, then packed: both merge to the same union.
            let fields: Vec<(String, i64)> = b
                .regs
                .iter()
                .enumerate()
                .filter(|(_, r)| **r > 0)
                .map(|(i, r)| (field(i), i64::from(*r)))
                .collect();
            let mut merged = a.clone();
            merged.merge_fields(fields.iter().map(|(k, v)| (k.as_str(), *v)));
            let mut via_packed = a.clone();
            via_packed.merge_packed(&b.pack());
            assert_eq!(merged.regs, via_packed.regs);
            let err = (merged.estimate() as f64 - n as f64).abs() / n as f64;
            assert!(
                err < 0.02,
                "n={n}: estimate {} ({:.2}% off)",
                merged.estimate(),
                err * 100.0
            );
        }
    }
}
