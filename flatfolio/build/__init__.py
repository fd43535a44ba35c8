"""Building the static site: freezing, the output folder, incremental reuse, parallel work, the link check."""
