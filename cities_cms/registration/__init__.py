"""Registration for seminars: capacity, waiting list, personal data handled lawfully."""
