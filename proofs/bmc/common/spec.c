/* spec.c: naive reachability (spec.h).  Start from the roots and add every
 * successor of a reached node until nothing changes; N rounds suffice
 * because each round that changes anything adds a node. */
#include "spec.h"

void spec_reach(int n, bool adj[SPEC_MAX][SPEC_MAX], const bool root[SPEC_MAX],
                bool reach[SPEC_MAX])
{
    for (int i = 0; i < n; i++)
        reach[i] = root[i];
    for (int round = 0; round < n; round++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (reach[i] && adj[i][j])
                    reach[j] = true;
}
