//! Tests of reading whole project folders.
