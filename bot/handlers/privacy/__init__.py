"""/mydata and /forget_me."""
