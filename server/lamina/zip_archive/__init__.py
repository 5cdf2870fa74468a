"""Reading Lambda deployment packages: the limits, the safe unzip, and where its symlinks lead."""
