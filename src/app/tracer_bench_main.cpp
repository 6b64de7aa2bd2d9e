// Placeholder entry point, replaced by the real CLI in the same change set.
int main() { return 0; }
