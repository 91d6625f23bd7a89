//! Manage.
