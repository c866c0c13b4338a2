"""Pure, I/O-free understanding of free text: dates and Chinese numerals."""
