// Placeholder; replaced by the CLI (convert / daemon).
int main() { return 0; }
