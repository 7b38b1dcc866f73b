/* CBMC smoke test: must fail (x = 80 gives y = 160). */
#include <assert.h>
int nondet_int(void);
int main(void) {
  int x = nondet_int();
  __CPROVER_assume(x > 0 && x < 100);
  int y = x * 2;
  assert(y < 150);
  return 0;
}
