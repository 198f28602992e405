//! The event queue's heap: a 4-ary min-heap whose sifts do not branch on the
//! keys they compare.
//!
//! Where an event lands in the heap is as random as the times it holds (a
//! new query's end ranks uniformly among the other running queries' ends in
//! M/M/c), so a sift that stops when it finds the place mispredicts about
//! once per operation. Here a sift walks its whole path, up to the root or
//! down the smallest children to a leaf, so how far it goes depends on the
//! heap's shape and not on where the key lands; the comparisons choose by
//! arithmetic which entry to copy where:
//!
//! - up (push): the path from the new leaf to the root is sorted, so the
//!   entries above the new key are a prefix of it; each moves down one step;
//! - down (replace the top, pop): the path of smallest children is sorted
//!   too, so the new key's place splits it the same way.
//!
//! `dary_heap`'s sifts, which this replaces, stop at the place instead.

/// Children per node.
const D: usize = 4;

/// Something with a `u128` key; smaller keys come out first.
pub trait Keyed: Copy {
    /// The ordering key.
    fn key(&self) -> u128;
    /// A value whose key is larger than any real one.
    const PAD: Self;
}

/// A 4-ary min-heap.
///
/// `data` holds the `len` entries in heap order followed by `D` padding
/// entries with the largest key, so a node's children can be compared
/// without checking how many it has.
#[derive(Debug, Clone)]
pub struct Heap<T: Keyed> {
    data: Vec<T>,
    len: usize,
}

impl<T: Keyed> Default for Heap<T> {
    fn default() -> Self {
        Heap {
            data: vec![T::PAD; D],
            len: 0,
        }
    }
}

impl<T: Keyed> Heap<T> {
    /// Entries held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds nothing.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The smallest entry, or the padding when empty (its key is the largest).
    #[inline(always)]
    pub fn top(&self) -> &T {
        &self.data[0]
    }

    /// Adds `e`.
    #[inline]
    pub fn push(&mut self, e: T) {
        self.data.push(T::PAD);
        let key = e.key();
        let mut hole = self.len;
        let mut at = self.len;
        self.len += 1;
        while at > 0 {
            let parent = (at - 1) / D;
            let up = self.get(parent).key() > key;
            let from = pick(up, parent, hole);
            self.copy(from, hole);
            hole = from;
            at = parent;
        }
        self.data[hole] = e;
    }

    /// Replaces the smallest entry with `e`; the heap must not be empty.
    #[inline]
    pub fn replace_top(&mut self, e: T) {
        debug_assert!(!self.is_empty());
        self.sift_down(e);
    }

    /// Removes the smallest entry (nothing if empty).
    #[inline(always)]
    pub fn pop(&mut self) {
        if self.len == 0 {
            return;
        }
        self.len -= 1;
        let last = std::mem::replace(&mut self.data[self.len], T::PAD);
        self.data.pop();
        if self.len > 0 {
            self.sift_down(last);
        } else {
            self.data[0] = T::PAD;
        }
    }

    /// Entry `i`, which must be a node (below `len`).
    #[inline(always)]
    fn get(&self, i: usize) -> &T {
        debug_assert!(i < self.len, "heap index {i} of {}", self.len);
        // SAFETY: the sifts pass only node indices: the hole and the node
        // they look at start at the root or the new leaf and move to a
        // parent or to a child that is below `len` (a child among the
        // padding never wins against a node, see `sift_down`), and
        // `len < data.len()`. The check above covers it in every test build.
        unsafe { self.data.get_unchecked(i) }
    }

    /// Copies node `from` to node `to` (both below `len`).
    #[inline(always)]
    fn copy(&mut self, from: usize, to: usize) {
        debug_assert!(from < self.len && to < self.len, "heap copy {from} -> {to}");
        // SAFETY: as for `get`.
        unsafe { *self.data.get_unchecked_mut(to) = *self.data.get_unchecked(from) }
    }

    /// Puts `e` at the root and moves it down to its place.
    #[inline(always)]
    fn sift_down(&mut self, e: T) {
        let key = e.key();
        let mut hole = 0;
        let mut at = 0;
        loop {
            let first = D * at + 1;
            if first >= self.len {
                break;
            }
            // The smallest of the D children (padding beyond `len`).
            let kids: &[T; D] = self.data[first..first + D]
                .try_into()
                .expect("padding covers the last node's children");
            let k = |i: usize| kids[i % D].key();
            let a = usize::from(k(1) < k(0));
            let b = 2 + usize::from(k(3) < k(2));
            let min = pick(k(b) < k(a), b, a) % D;
            let down = k(min) < key;
            let min = first + min;
            let from = pick(down, min, hole);
            self.copy(from, hole);
            hole = from;
            at = min;
        }
        self.data[hole] = e;
    }
}

/// `if cond { x } else { y }` by arithmetic: LLVM turns a plain `if`, and
/// even `std::hint::select_unpredictable`, into a branch here.
#[inline(always)]
fn pick(cond: bool, x: usize, y: usize) -> usize {
    let mask = usize::from(cond).wrapping_neg();
    y ^ ((x ^ y) & mask)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    impl Keyed for u128 {
        fn key(&self) -> u128 {
            *self
        }
        const PAD: u128 = u128::MAX;
    }

    #[test]
    fn agrees_with_std_binary_heap_under_random_operations() {
        // Pushes, pops and top replacements with many equal keys, at sizes
        // from empty to a few hundred.
        let mut ours: Heap<u128> = Heap::default();
        let mut theirs = BinaryHeap::new();
        let mut x = 7u64;
        let mut seq = 0u128;
        for step in 0..200_000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let r = x >> 33;
            // Keys: time << 64 | sequence, times from a small range.
            seq += 1;
            let key = (u128::from(r % 50) << 64) | seq;
            let grow = (step / 20_000) % 2 == 0;
            match (r % 10, grow) {
                (0..=5, true) | (0..=3, false) => {
                    ours.push(key);
                    theirs.push(Reverse(key));
                }
                (6..=7, _) | (4..=5, false) if !theirs.is_empty() => {
                    ours.replace_top(key);
                    theirs.pop();
                    theirs.push(Reverse(key));
                }
                _ => {
                    ours.pop();
                    theirs.pop();
                }
            }
            assert_eq!(ours.len(), theirs.len());
            let want = theirs.peek().map_or(u128::MAX, |r| r.0);
            assert_eq!(*ours.top(), want, "step {step}");
        }
        while let Some(Reverse(k)) = theirs.pop() {
            assert_eq!(*ours.top(), k);
            ours.pop();
        }
        assert!(ours.is_empty() && *ours.top() == u128::MAX);
    }
}
