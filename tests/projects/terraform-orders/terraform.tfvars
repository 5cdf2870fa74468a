log_level = "DEBUG"
