//! Viola l2-learning app
