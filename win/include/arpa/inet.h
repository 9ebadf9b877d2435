/* <arpa/inet.h> for Windows: Winsock declares it all (see win.h). */

#ifndef PINETD_WIN_ARPA_INET_H
#define PINETD_WIN_ARPA_INET_H
#include "win.h"
#endif
