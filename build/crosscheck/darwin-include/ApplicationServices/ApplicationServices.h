/* Stand-in for Apple's ApplicationServices.h (see Cocoa/Cocoa.h): the Quartz event and
   accessibility declarations internal/textinput's preamble uses, with Apple's signatures. */
#include <stdbool.h>
#include <stdint.h>
typedef uint16_t UniChar;
typedef unsigned long UniCharCount;
typedef uint16_t CGKeyCode;
typedef uint64_t CGEventFlags;
typedef struct __CGEvent *CGEventRef;
typedef struct __CGEventSource *CGEventSourceRef;
typedef const void *CFTypeRef;
typedef uint32_t CGEventTapLocation;
typedef int32_t CGEventSourceStateID;
enum { kCGHIDEventTap = 0 };
enum { kCGEventSourceStateHIDSystemState = 1 };
enum {
	kCGEventFlagMaskShift = 0x00020000, kCGEventFlagMaskControl = 0x00040000,
	kCGEventFlagMaskAlternate = 0x00080000, kCGEventFlagMaskCommand = 0x00100000
};
CGEventRef CGEventCreateKeyboardEvent(CGEventSourceRef source, CGKeyCode virtualKey, bool keyDown);
void CGEventSetFlags(CGEventRef event, CGEventFlags flags);
void CGEventKeyboardSetUnicodeString(CGEventRef event, UniCharCount stringLength, const UniChar *unicodeString);
void CGEventPost(CGEventTapLocation tap, CGEventRef event);
CGEventFlags CGEventSourceFlagsState(CGEventSourceStateID stateID);
void CFRelease(CFTypeRef cf);
bool AXIsProcessTrusted(void);
