//! A vector of reusable slots, indexed by `u32`: the engine's requests,
//! connections and pools live in slabs, and its per-service and
//! per-database tables are slabs too (indexed by `usize`).
//!
//! Indexing is unchecked in release builds: see the safety comments, and
//! ARCHITECTURE.md for the measurement that keeps it.

/// A vector of reusable slots.
#[derive(Debug)]
pub struct Slab<T> {
    /// The slots, live and free.
    pub items: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// A slab holding `items` at indices `0..n`.
    pub fn from_vec(items: Vec<T>) -> Slab<T> {
        Slab {
            items,
            free: Vec::new(),
        }
    }

    /// Puts `item` in a free slot (or a new one) and returns its index.
    #[inline]
    pub fn insert(&mut self, item: T) -> u32 {
        if let Some(i) = self.free.pop() {
            self.items[i as usize] = item;
            i
        } else {
            self.items.push(item);
            (self.items.len() - 1) as u32
        }
    }

    /// Puts `item` in a new slot at the end, whatever is free.
    pub fn push(&mut self, item: T) -> u32 {
        self.items.push(item);
        (self.items.len() - 1) as u32
    }

    /// The slot the next `insert` will reuse, if any.
    #[inline]
    pub fn next_free(&self) -> Option<u32> {
        self.free.last().copied()
    }

    /// Marks slot `i` free for reuse.
    #[inline]
    pub fn remove(&mut self, i: u32) {
        self.free.push(i);
    }
}

impl<T> std::ops::Index<u32> for Slab<T> {
    type Output = T;
    #[inline(always)]
    fn index(&self, i: u32) -> &T {
        debug_assert!(
            (i as usize) < self.items.len(),
            "slab index {i} never handed out"
        );
        // SAFETY: the engine only holds indices returned by `insert`, and a
        // slot, once pushed, is never removed from `items` (freed slots are
        // reused in place), so every such index stays below `items.len()`.
        // This is the engine's hottest lookup; the check above covers it in
        // every debug and test build.
        unsafe { self.items.get_unchecked(i as usize) }
    }
}

impl<T> std::ops::IndexMut<u32> for Slab<T> {
    #[inline(always)]
    fn index_mut(&mut self, i: u32) -> &mut T {
        debug_assert!(
            (i as usize) < self.items.len(),
            "slab index {i} never handed out"
        );
        // SAFETY: as for `index`.
        unsafe { self.items.get_unchecked_mut(i as usize) }
    }
}

/// Tables indexed by a service or database number, which validation
/// bounds, index like the slab: unchecked, with the check kept in debug and
/// test builds.
impl<T> std::ops::Index<usize> for Slab<T> {
    type Output = T;
    #[inline(always)]
    fn index(&self, i: usize) -> &T {
        debug_assert!(i < self.items.len(), "table index {i} out of range");
        // SAFETY: as for the `u32` index: callers pass service and database
        // numbers, which are below the table's length by construction.
        unsafe { self.items.get_unchecked(i) }
    }
}

impl<T> std::ops::IndexMut<usize> for Slab<T> {
    #[inline(always)]
    fn index_mut(&mut self, i: usize) -> &mut T {
        debug_assert!(i < self.items.len(), "table index {i} out of range");
        // SAFETY: as for `index`.
        unsafe { self.items.get_unchecked_mut(i) }
    }
}
