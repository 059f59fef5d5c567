//! A board's records in the order of their places. Places only grow, so a
//! new record almost always goes at the end: a push, where an ordered map
//! would search and allocate nodes for each of thousands of runs started
//! at once. A record that leaves leaves a hole, swept out once holes are
//! half the entries, so that removals stay cheap and memory follows what
//! is listed.

use std::sync::Arc;

use crate::runtime::record::PipelineRecord;

#[derive(Debug, Default)]
pub(super) struct Listed {
    /// By place, ascending; `None` where a record left.
    entries: Vec<(u64, Option<Arc<PipelineRecord>>)>,
    holes: usize,
}

impl Listed {
    /// Lists `record` at `place`, in order (a place taken just before
    /// another, by another thread, may arrive after it).
    pub(super) fn insert(&mut self, place: u64, record: Arc<PipelineRecord>) {
        let at = match self.entries.last() {
            Some((last, _)) if *last > place => self.entries.partition_point(|(listed, _)| *listed < place),
            _ => self.entries.len(),
        };
        self.entries.insert(at, (place, Some(record)));
    }

    /// Takes the record at `place` off, if it is listed.
    pub(super) fn remove(&mut self, place: u64) {
        let Ok(at) = self.entries.binary_search_by_key(&place, |(listed, _)| *listed) else {
            return;
        };
        if self.entries[at].1.take().is_some() {
            self.holes += 1;
            if self.holes * 2 > self.entries.len() {
                self.entries.retain(|(_, record)| record.is_some());
                self.holes = 0;
            }
        }
    }

    /// The records placed at `from` or after, in order, with their places.
    pub(super) fn from(&self, from: u64) -> impl Iterator<Item = (u64, &Arc<PipelineRecord>)> {
        let start = self.entries.partition_point(|(place, _)| *place < from);
        self.entries[start..]
            .iter()
            .filter_map(|(place, record)| record.as_ref().map(|record| (*place, record)))
    }

    /// How many records are listed.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len() - self.holes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Arc<PipelineRecord> {
        Arc::new(PipelineRecord::new("job", None, None, None))
    }

    fn places(listed: &Listed, from: u64) -> Vec<u64> {
        listed.from(from).map(|(place, _)| place).collect()
    }

    #[test]
    fn records_stay_in_place_order_through_late_inserts_removals_and_sweeps() {
        let mut listed = Listed::default();
        for place in [0, 1, 3, 2, 4] {
            listed.insert(place, record());
        }
        assert_eq!(places(&listed, 0), [0, 1, 2, 3, 4]);
        listed.remove(1);
        listed.remove(1);
        listed.remove(9);
        assert_eq!((places(&listed, 0), listed.len()), (vec![0, 2, 3, 4], 4));
        assert_eq!(places(&listed, 2), [2, 3, 4]);
        listed.remove(0);
        listed.remove(3);
        // Three holes of five: swept.
        assert_eq!((listed.entries.len(), listed.holes), (2, 0));
        assert_eq!(places(&listed, 0), [2, 4]);
        listed.insert(5, record());
        assert_eq!(places(&listed, 3), [4, 5]);
    }

    #[test]
    fn a_thousand_removed_leave_no_more_entries_than_records() {
        let mut listed = Listed::default();
        for place in 0..1000 {
            listed.insert(place, record());
            if place >= 10 {
                listed.remove(place - 10);
            }
        }
        assert_eq!(listed.len(), 10);
        assert!(listed.entries.len() <= 20, "{} entries", listed.entries.len());
    }
}
