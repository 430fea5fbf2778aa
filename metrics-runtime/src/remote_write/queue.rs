//! Batches waiting to be delivered, in order, up to a number of samples;
//! past it the oldest are dropped and counted.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::batch::Batch;

/// The pending batches, oldest first.
#[derive(Debug)]
pub(crate) struct Queue {
    batches: VecDeque<Batch>,
    samples: usize,
    max_samples: usize,
    /// Samples dropped so far; shared with the task's handle.
    dropped: Arc<AtomicU64>,
}

impl Queue {
    pub(crate) fn new(max_samples: usize, dropped: Arc<AtomicU64>) -> Queue {
        Queue {
            batches: VecDeque::new(),
            samples: 0,
            max_samples,
            dropped,
        }
    }

    /// Adds `batch` last, then drops the oldest batches while more than
    /// the maximum of samples wait, and returns how many samples were
    /// dropped (the writer logs them, once per outage). The newest batch
    /// is always kept, even alone over the maximum.
    pub(crate) fn push(&mut self, batch: Batch) -> usize {
        self.samples += batch.samples;
        self.batches.push_back(batch);
        let mut dropped = 0;
        while self.samples > self.max_samples && self.batches.len() > 1 {
            dropped += self.drop_front();
        }
        dropped
    }

    /// The oldest batch: the next to send.
    pub(crate) fn front(&self) -> Option<&Batch> {
        self.batches.front()
    }

    /// Removes the oldest batch, which was delivered.
    pub(crate) fn delivered(&mut self) {
        if let Some(batch) = self.batches.pop_front() {
            self.samples -= batch.samples;
        }
    }

    /// Removes the oldest batch without delivering it, counts its samples
    /// as dropped and returns how many there were.
    pub(crate) fn drop_front(&mut self) -> usize {
        let samples = self.batches.front().map_or(0, |batch| batch.samples);
        self.delivered();
        self.dropped.fetch_add(samples as u64, Ordering::Relaxed);
        samples
    }

    /// Drops every batch, counting their samples; returns how many there were.
    pub(crate) fn drop_all(&mut self) -> usize {
        let samples = self.samples;
        while !self.batches.is_empty() {
            self.drop_front();
        }
        samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(tag: u8, samples: usize) -> Batch {
        Batch {
            body: vec![tag].into(),
            samples,
        }
    }

    fn tags(queue: &Queue) -> Vec<u8> {
        queue.batches.iter().map(|batch| batch.body[0]).collect()
    }

    #[test]
    fn the_oldest_batches_are_dropped_and_counted_past_the_maximum() {
        let dropped = Arc::new(AtomicU64::new(0));
        let mut queue = Queue::new(10, Arc::clone(&dropped));
        assert_eq!(queue.push(batch(1, 4)), 0);
        assert_eq!(queue.push(batch(2, 4)), 0);
        assert_eq!(tags(&queue), [1, 2]);
        assert_eq!(queue.push(batch(3, 4)), 4);
        assert_eq!(tags(&queue), [2, 3]);
        assert_eq!(dropped.load(Ordering::Relaxed), 4);
        // A batch alone over the maximum is kept: it holds the latest values.
        assert_eq!(queue.push(batch(4, 25)), 8);
        assert_eq!(tags(&queue), [4]);
        assert_eq!(dropped.load(Ordering::Relaxed), 12);
    }

    #[test]
    fn batches_leave_in_order_and_only_drops_are_counted() {
        let dropped = Arc::new(AtomicU64::new(0));
        let mut queue = Queue::new(100, Arc::clone(&dropped));
        for tag in 1..=4 {
            queue.push(batch(tag, 3));
        }
        queue.delivered();
        assert_eq!(queue.front().map(|b| b.body[0]), Some(2));
        assert_eq!(queue.drop_front(), 3);
        assert_eq!(queue.drop_all(), 6);
        assert!(queue.front().is_none());
        assert_eq!(dropped.load(Ordering::Relaxed), 9);
        assert_eq!(queue.samples, 0);
    }
}
