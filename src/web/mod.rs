//! See DESIGN.md §8.
