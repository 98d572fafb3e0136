// libpng's simplified API (include path from pkg-config `libpng`). Its errors come back as return
// codes and `png_image.message`; the setjmp/longjmp it uses stays inside libpng.
#include <png.h>
