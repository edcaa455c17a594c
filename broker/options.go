package broker

import (
	"errors"
	"fmt"
)

// Validate reports every problem with o at once. Zero fields are fine (they
// mean "the default"); negative ones are not.
func (o Options) Validate() error {
	var errs []error
	if o.MaxDeliveries < 0 {
		errs = append(errs, fmt.Errorf("broker options: MaxDeliveries %d is negative", o.MaxDeliveries))
	}
	if o.RedeliveryDelay < 0 {
		errs = append(errs, fmt.Errorf("broker options: RedeliveryDelay %v is negative", o.RedeliveryDelay))
	}
	if o.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("broker options: Concurrency %d is negative", o.Concurrency))
	}
	return errors.Join(errs...)
}
