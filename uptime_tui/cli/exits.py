"""The exit statuses every command shares: 0 done, 1 failed, 2 bad usage or input."""

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
