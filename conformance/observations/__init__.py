"""What one certification observes and shares between checks: each observation made once, whichever thread asks first."""
