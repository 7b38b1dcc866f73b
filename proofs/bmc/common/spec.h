/* spec.h: a deliberately naive reachability specification, written apart
 * from the model (it shares no code with gc.c): an adjacency matrix and a
 * fixpoint, as in a textbook.  spec.c. */
#ifndef PM_BMC_SPEC_H
#define PM_BMC_SPEC_H

#include <stdbool.h>

#ifndef SPEC_MAX
#define SPEC_MAX 8
#endif

/* reach[i] becomes true exactly for the nodes reachable from a node with
 * root[i] set along edges adj[from][to], among N nodes. */
void spec_reach(int n, bool adj[SPEC_MAX][SPEC_MAX], const bool root[SPEC_MAX],
                bool reach[SPEC_MAX]);

#endif
